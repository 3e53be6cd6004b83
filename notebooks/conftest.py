"""nbval runs the tutorials here; demo.ipynb is the Voilà page (scripts/demo.sh), tested in a real browser by
tests/browser/test_frontends.py instead: its widget only does something when a person picks files."""

collect_ignore = ["demo.ipynb"]
