"""Markers for the benchmark harness's smoke test (registered here so the folder runs on its own)."""


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: real-browser test (JupyterLab + headless Chromium)")
    config.addinivalue_line("markers", "benchmark: runs the benchmark harness (python -m benchmarks)")
