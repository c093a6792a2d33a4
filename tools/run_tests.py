"""Run every notebook's tests with nbdev's own runner and print `N passed, N failed`.

Each notebook in `nbs/` is one test unit, executed by `nbdev.test.test_nb` exactly as `nbdev_test` does (cells
flagged `#| slow` or `#| notest` are skipped unless named in `--flags`). Every notebook runs in a fresh Python
process of its own, so one notebook's state, memory or crash cannot leak into another's result. `nbdev_test`
prints only "Success." or the failing notebooks, so this wrapper counts them.

    python tools/run_tests.py                 # the fast suite CI runs
    python tools/run_tests.py --flags slow    # also the heavy cells (studies, Gemma, benchmarks in notebooks)
    python tools/run_tests.py --path nbs/01_hooks.ipynb
"""
import argparse, os, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

ONE = """
import sys
from pathlib import Path
from nbdev.test import test_nb
from nbdev.config import get_config
ok, secs = test_nb(Path(sys.argv[1]), skip_flags=sys.argv[2].split(), force_flags=sys.argv[3].split(),
                   basepath=get_config().config_path)
sys.exit(0 if ok else 1)
"""

def run_one(nb:Path, skip:list, force:list, timeout:int)->tuple[bool, float, str]:
    "Test one notebook in its own process: (passed, seconds, output)"
    t0 = time.time()
    try:
        p = subprocess.run([sys.executable, '-c', ONE, str(nb), ' '.join(skip), ' '.join(force)],
                           capture_output=True, text=True, timeout=timeout)
        return p.returncode == 0, time.time() - t0, p.stdout + p.stderr
    except subprocess.TimeoutExpired as e:
        return False, time.time() - t0, f'timed out after {timeout}s\n{e.stdout or ""}{e.stderr or ""}'

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--path', default='nbs', help='a notebook or a folder of notebooks')
    ap.add_argument('--flags', default='', help='space-separated test flags to run anyway (e.g. "slow")')
    ap.add_argument('--n_workers', type=int, default=2, help='notebooks tested at once')
    ap.add_argument('--timeout', type=int, default=1800, help='seconds one notebook may take')
    a = ap.parse_args()
    root = Path(__file__).resolve().parent.parent
    os.chdir(root)
    from nbdev.config import get_config
    p = Path(a.path)
    files = sorted(p.glob('*.ipynb')) if p.is_dir() else [p]
    files = [f.resolve() for f in files if not f.name.startswith(('_', '.'))]
    if not files: sys.exit(f'no notebooks found under {a.path}')
    force = a.flags.split()
    skip = [f for f in get_config().tst_flags.split() if f not in force]
    # the longest notebooks first, so two workers finish together
    files.sort(key=lambda f: -f.stat().st_size)
    t0, results = time.time(), {}
    with ThreadPoolExecutor(a.n_workers) as ex:
        futs = {ex.submit(run_one, f, skip, force, a.timeout): f for f in files}
        for fut in as_completed(futs):
            f = futs[fut]; ok, secs, out = fut.result()
            results[f.name] = ok
            print(f"{'PASS' if ok else 'FAIL'}  {f.name}  ({secs:.0f}s)", flush=True)
            if not ok: print(out[-6000:], flush=True)
    n_pass = sum(results.values()); n_fail = len(results) - n_pass
    print(f'notebooks tested in {time.time()-t0:.0f}s')
    print(f'{n_pass} passed, {n_fail} failed')
    sys.exit(1 if n_fail else 0)

if __name__ == '__main__': main()
