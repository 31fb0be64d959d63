"""What the lab scripts of this folder share: seconds of repeated calls, and a module as an older commit had it."""
import subprocess
import sys
import time
import types


def seconds(f, n: int) -> list[float]:
    """Wall seconds of ``n`` calls of ``f``, each timed alone."""
    s = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        s.append(time.perf_counter() - t)
    return s


def module_at(commit: str, path: str, name: str) -> types.ModuleType:
    """The module at ``path`` (``inrzip/...``) as ``commit`` had it, its relative imports made absolute."""
    package = path.rsplit("/", 2)[0].replace("/", ".")  # inrzip/nets/x.py -> inrzip: what ".." meant there
    source = subprocess.run(["git", "show", f"{commit}:{path}"], capture_output=True, text=True, check=True).stdout
    module = types.ModuleType(name)
    sys.modules[name] = module  # dataclasses look their module up
    exec(compile(source.replace("from .. import", f"from {package} import").replace("from ..", f"from {package}."),
                 name, "exec"), module.__dict__)  # fmt: skip
    return module
