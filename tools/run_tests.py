"""Run every notebook's tests with nbdev's own runner and print `N passed, N failed`.

Each notebook in `nbs/` is one test unit, executed by `nbdev.test.test_nb` exactly as `nbdev_test` does (cells
flagged `#| slow` or `#| notest` are skipped unless named in `--flags`). `nbdev_test` prints only "Success." or the
failing notebooks, so this wrapper counts them.

    python tools/run_tests.py                 # the fast suite CI runs
    python tools/run_tests.py --flags slow    # also the heavy cells (studies, Gemma, benchmarks in notebooks)
    python tools/run_tests.py --path nbs/01_hooks.ipynb
"""
import argparse, os, sys, time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

def _run(fn, skip, force):
    from nbdev.test import test_nb
    from nbdev.config import get_config
    ok, secs = test_nb(Path(fn), skip_flags=skip, force_flags=force, basepath=get_config().config_path)
    return fn, ok, secs

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--path', default='nbs', help='a notebook or a folder of notebooks')
    ap.add_argument('--flags', default='', help='space-separated test flags to run anyway (e.g. "slow")')
    ap.add_argument('--n_workers', type=int, default=2)
    a = ap.parse_args()
    root = Path(__file__).resolve().parent.parent
    os.chdir(root)
    from nbdev.config import get_config
    p = Path(a.path)
    files = sorted(p.glob('*.ipynb')) if p.is_dir() else [p]
    files = [f.resolve() for f in files if not f.name.startswith(('_', '.'))]
    if not files: sys.exit(f'no notebooks found under {a.path}')
    skip, force = get_config().tst_flags.split(), a.flags.split()
    t0, results = time.time(), []
    with ProcessPoolExecutor(a.n_workers) as ex:
        futs = [ex.submit(_run, str(f), skip, force) for f in files]
        for fut in as_completed(futs):
            try: fn, ok, secs = fut.result()
            except Exception as e: fn, ok, secs = '?', False, 0; print(e, file=sys.stderr)
            results.append(ok)
            print(f"{'PASS' if ok else 'FAIL'}  {Path(fn).name}  ({secs:.0f}s)", flush=True)
    n_pass = sum(results); n_fail = len(results) - n_pass
    print(f'notebooks tested in {time.time()-t0:.0f}s')
    print(f'{n_pass} passed, {n_fail} failed')
    sys.exit(1 if n_fail else 0)

if __name__ == '__main__': main()
