"""accuracy-gate's probe, switched on by ACCURACY_GATE_PROBE (the gate puts this dir on PYTHONPATH).

Python imports one `sitecustomize` at start-up: this one. It installs the probe only when the gate
asked for it, then runs the sitecustomize it shadows (a distribution's or a virtualenv's), so the
environment behaves as it would without the gate.
"""
import os
import sys


def _chain():
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        import importlib.machinery
        import importlib.util
        rest = [p for p in sys.path if os.path.abspath(p or ".") != here]
        spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
        if spec is None or spec.loader is None:
            return
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except Exception as e:  # a broken user sitecustomize must not be blamed on the probe silently
        print(f"accuracy-gate probe: the shadowed sitecustomize failed: {e!r}", file=sys.stderr)


if os.environ.get("ACCURACY_GATE_PROBE"):
    # Without the probe the run measures nothing: a bad setting ends it here, with one line (an
    # exception out of a sitecustomize is a "Fatal Python error" and a traceback).
    try:
        import accuracy_gate_probe
        accuracy_gate_probe.install()
    except SystemExit as e:
        print(e, file=sys.stderr, flush=True)
        os._exit(2)
    except Exception as e:
        print(f"accuracy-gate probe: could not install: {e!r}", file=sys.stderr, flush=True)
        os._exit(2)
_chain()
