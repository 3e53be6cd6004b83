"""Smoke test of the browser harness itself (no choose_media): server, Chromium, notebook run,
anywidget render, a browser->kernel custom message with a binary buffer, and a kernel-side check
through the test's own kernel client."""

ECHO_CELL = '''
import anywidget

class Echo(anywidget.AnyWidget):
    _esm = """
    export default {
      render({ model, el }) {
        const b = document.createElement('button');
        b.textContent = 'ping';
        b.className = 'echo-btn';
        b.onclick = () => model.send({ kind: 'ping' }, undefined, [new Uint8Array([1, 2, 3]).buffer]);
        el.appendChild(b);
      }
    }
    """

got = []

def _on_msg(widget, content, buffers):
    if content.get('kind') == 'ping':
        got.append(len(bytes(buffers[0])) if buffers else 0)

echo = Echo()
echo.on_msg(_on_msg)
echo
'''


def test_echo_widget_roundtrip(open_notebook):
    nb = open_notebook([ECHO_CELL])
    assert nb.eval_json("got") == []
    nb.page.click(".echo-btn")
    nb.wait_for("got")
    assert nb.eval_json("got") == [3]
    assert nb.run("print('hello from the test client')") == "hello from the test client\n"
