"""Build a wheel, install it outside the repository and check that the installed package finds its shipped data.

    python tools/check_wheel.py [--keep]

The shipped `data/` folder lives at the repository root (next to `nbs/`), where an editable install reads it.
`setup.py` copies the `shipped_data` folders of settings.ini into the package when it builds a wheel. This script
proves that: it copies what a build needs into a temporary folder (so the checkout gets no `build/` or egg-info),
runs `pip wheel --no-deps --no-build-isolation`, installs the wheel with `pip install --no-deps --target`, and in a
fresh Python whose path starts with that target checks that `persona_vectors` is imported from there and that
`personas.data_dir()` resolves inside it with every shipped file present. Exit status 0 when all holds.
"""
import argparse, configparser, os, shutil, subprocess, sys, tempfile, zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD_FILES = ('setup.py', 'settings.ini', 'MANIFEST.in', 'README.md', 'pyproject.toml')

CHECK = """
import json, sys
from pathlib import Path
import persona_vectors
from persona_vectors.core import data_dir
d = data_dir()
print(json.dumps({'package': persona_vectors.__file__, 'data_dir': str(d),
                  'files': sorted(str(p.relative_to(d)) for p in d.rglob('*') if p.is_file())}))
"""

def shipped(cfg_path:Path)->list[str]:
    "The `shipped_data` folders named in settings.ini"
    cfg = configparser.ConfigParser(delimiters=['=']); cfg.read(cfg_path, encoding='utf-8')
    return cfg['DEFAULT'].get('shipped_data', '').split()

def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode: sys.exit(f'FAILED: {" ".join(map(str, cmd))}\n{p.stdout[-3000:]}{p.stderr[-3000:]}')
    return p.stdout

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--keep', action='store_true', help='keep the temporary folder and print its path')
    a = ap.parse_args()
    data_dirs = shipped(ROOT/'settings.ini')
    if not data_dirs: sys.exit('settings.ini names no shipped_data folders')
    tmp = Path(tempfile.mkdtemp(prefix='pv_wheel_'))
    try:
        src, dist, site = tmp/'src', tmp/'dist', tmp/'site'
        src.mkdir()
        for f in BUILD_FILES:
            if (ROOT/f).exists(): shutil.copy2(ROOT/f, src/f)
        ignore = shutil.ignore_patterns('__pycache__', '*.pyc', '.*')
        for d in ['persona_vectors', *data_dirs]: shutil.copytree(ROOT/d, src/d, ignore=ignore)
        run([sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps', '--no-build-isolation', '-w', str(dist), str(src)])
        wheel = next(dist.glob('*.whl'))
        names = zipfile.ZipFile(wheel).namelist()
        expected = sorted(str(p.relative_to(ROOT)) for d in data_dirs for p in (ROOT/d).rglob('*')
                          if p.is_file() and not any(part.startswith('.') or part == '__pycache__' for part in p.parts))
        missing = [f for f in expected if f'persona_vectors/{f}' not in names]
        if missing: sys.exit(f'{wheel.name} lacks {len(missing)} shipped files, e.g. {missing[:5]}')
        run([sys.executable, '-m', 'pip', 'install', '-q', '--no-deps', '--no-compile', '--target', str(site), str(wheel)])
        env = {**os.environ, 'PYTHONPATH': str(site)}
        import json
        res = json.loads(run([sys.executable, '-c', CHECK], env=env, cwd=tmp).strip().splitlines()[-1])
        pkg, dd = Path(res['package']).resolve(), Path(res['data_dir']).resolve()
        if not pkg.is_relative_to(site.resolve()): sys.exit(f'persona_vectors was imported from {pkg}, not from the installed wheel in {site}')
        if not dd.is_relative_to(site.resolve()): sys.exit(f'data_dir() resolved to {dd}, outside the installed wheel in {site}')
        want = sorted(str(Path(f).relative_to('data')) for f in expected if f.startswith('data/'))
        lost = sorted(set(want) - set(res['files']))
        if lost: sys.exit(f'data_dir() {dd} lacks {lost[:5]}')
        print(f'ok: {wheel.name} carries {len(expected)} shipped files; installed data_dir() = {dd.relative_to(tmp)} '
              f'({len(res["files"])} files)')
    finally:
        if a.keep: print(f'kept {tmp}')
        else: shutil.rmtree(tmp, ignore_errors=True)

if __name__ == '__main__': main()
