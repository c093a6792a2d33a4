"""Execute notebooks and save their outputs, so the rendered pages show each demo's result.

    python tools/exec_nbs.py nbs/00_core.ipynb [more notebooks...]
    python tools/exec_nbs.py --flags slow nbs/06_steer.ipynb    # also the cells flagged `#| slow`

Runs every code cell the way `nbdev_test` does (in the notebook's folder, with `IN_TEST` set, skipping cells flagged
with settings.ini's `tst_flags`, e.g. `#| slow` and `#| notest`, and the `nbdev_export()` cell), writes the outputs back
into the notebook, then reports any output that holds something machine-specific (an absolute path, a temp name).
Skipped cells keep whatever outputs they already had. Run `nbdev_clean` afterwards.
"""
import os, re, sys, time
os.environ.setdefault('IN_TEST', '1')
os.environ.setdefault('TQDM_DISABLE', '1')                # no progress bars in saved outputs
os.environ.setdefault('TRANSFORMERS_VERBOSITY', 'error')
from pathlib import Path
from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell
from fastcore.xtras import working_directory
from nbdev.config import get_config
from nbdev.process import extract_directives

BAD = re.compile(r'(/work/|/root/|/home/|/tmp/|/var/folders/|site-packages|\\Users\\)')

def _skip(flags):
    def f(cell):
        if cell.cell_type != 'code' or 'nbdev_export'+'(' in cell.source: return True
        d = extract_directives(cell, remove=False)
        if d.get('eval:', [''])[0].lower() == 'false': return True
        return bool(flags & d.keys())
    return f

def _text(o):
    if 'text' in o: return ''.join(o['text'])
    return ' '.join(''.join(v) if isinstance(v, list) else str(v) for k,v in o.get('data', {}).items()
                    if not k.startswith('image/')) + ''.join(o.get('traceback', []))

def exec_nb(fn:Path, flags:str=''):
    cfg = get_config()
    sys.path.insert(0, str(cfg.config_path))
    nb = read_nb(fn)
    t0, c0 = time.time(), time.process_time()
    skip = _skip(set(cfg.tst_flags.split()) - set(flags.split()))
    for c in nb.cells:   # execnb keeps a cell's old outputs when it prints nothing now: start the cells that run afresh
        if c.cell_type == 'code' and not skip(c): c.outputs, c.execution_count = [], None
    k = CaptureShell(fn)
    try:
        with working_directory(fn.parent): k.run_all(nb, exc_stop=True, preproc=skip)
    except Exception:
        sys.stderr.write(k.prettytb(fname=fn) + '\n'); raise SystemExit(f'{fn.name}: a cell failed; outputs not saved')
    secs, cpu = time.time() - t0, time.process_time() - c0
    problems = []
    for i, c in enumerate(nb.cells):
        for o in c.get('outputs', []):
            t = _text(o)
            if BAD.search(t): problems.append(f'cell {i}: {BAD.search(t)[0]!r} in: {t[:200]!r}')
            if len(t) > 5000: problems.append(f'cell {i}: output of {len(t)} characters')
    write_nb(nb, fn)
    return secs, cpu, problems

if __name__ == '__main__':
    import argparse
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('notebooks', nargs='+')
    ap.add_argument('--flags', default='', help='space-separated test flags to run anyway (e.g. "slow")')
    a = ap.parse_args()
    bad = False
    for f in a.notebooks:
        secs, cpu, problems = exec_nb(Path(f).resolve(), a.flags)
        print(f'{f}: executed in {secs:.0f}s ({cpu:.0f} CPU seconds)')
        for p in problems: print('  ', p); bad = True
    sys.exit(1 if bad else 0)
