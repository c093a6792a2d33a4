"""Prove the documentation's content without Quarto: every exported function and class shows its signature and docstring.

    python tools/check_docs.py [--screenshot PAGE.png] [--force] [--keep]

Quarto (what `nbdev_docs` renders the site with) cannot be installed on these machines, so this script runs the same
preparation `nbdev_docs` does and renders its result another way:

1. `nbdev_proc_nbs` (with its Quarto check skipped): refreshes `nbs/nbdev.yml` from settings.ini, writes
   `nbs/sidebar.yml`, and writes the processed notebooks to `_proc/`, where nbdev has added a `show_doc` cell for every
   exported function and class and executed it (plus the notebook's import cells) to produce its documentation;
2. renders each processed notebook to HTML with nbconvert (into `_proc/_html/`);
3. opens every page in headless Chromium (Debian's `chromium`) and reads the DOM it builds (`--dump-dom`);
4. checks that every function and class in each module's `__all__` has, on its notebook's page, a heading with its
   name, the rendered signature (its name followed by every parameter) and its docstring.

It also checks the Quarto configuration `nbdev_docs` needs: `nbs/_quarto.yml` pulls in `nbdev.yml` and
`sidebar.yml`, `nbdev.yml` matches settings.ini, and the sidebar lists every notebook.
Exit status 1 with a list of what is missing, 0 when every page is complete.
"""
import argparse, html, importlib, inspect, os, re, shutil, subprocess, sys, tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
                  '--disable-component-update', '--disable-sync', '--no-first-run']

def chromium()->str:
    exe = shutil.which('chromium') or shutil.which('chromium-browser')
    if not exe: sys.exit('chromium not found: apt-get install -y chromium')
    return exe

ONE_NB = """
import os, sys
from pathlib import Path
from nbdev.serve_drv import exec_nb
from nbdev.processors import FilterDefaults
os.environ['IN_TEST'] = '1'
exec_nb(Path(sys.argv[1]), Path(sys.argv[2]), FilterDefaults)
"""

def proc_nbs(force:bool, n_workers:int)->tuple[Path, list[str]]:
    "Run nbdev's docs preparation (nbdev_proc_nbs) without its Quarto install step: (the _proc folder, problems)"
    import nbdev.quarto
    nbdev.quarto._ensure_quarto = lambda: None  # only `quarto render` needs Quarto; we render with nbconvert instead
    proc, problems = ROOT/'_proc', []
    try: nbdev.quarto.nbdev_proc_nbs.__wrapped__(n_workers=n_workers, force=force)
    except Exception: pass  # it stops at the first notebook it cannot process: redo the rest one by one, to name each
    for src in sorted((ROOT/'nbs').glob('*.ipynb')):
        dst = proc/src.name
        if src.name.startswith(('_', '.')) or (dst.exists() and dst.stat().st_mtime >= src.stat().st_mtime): continue
        p = subprocess.run([sys.executable, '-c', ONE_NB, str(src), str(dst)], capture_output=True, text=True, cwd=ROOT)
        if p.returncode:
            why = [l for l in p.stderr.splitlines() if re.match(r'(\w+Error|Exception): ', l)]
            cell = re.search(r'in cell (\d+) :', p.stderr)
            problems.append(f"{src.name}: nbdev's docs processing fails" + (f' in cell {cell[1]}' if cell else '') +
                            f": {why[0] if why else p.stderr.strip().splitlines()[-1]} (it executes every cell that "
                            f"imports something; keep imports in cells of their own)")
    return proc, problems

def check_config(proc:Path)->list[str]:
    "Problems with the Quarto files nbdev_docs reads"
    import yaml
    from nbdev.config import get_config
    problems, cfg = [], get_config()
    q = yaml.safe_load((ROOT/'nbs'/'_quarto.yml').read_text())
    if set(q.get('metadata-files', [])) != {'nbdev.yml', 'sidebar.yml'}: problems.append('nbs/_quarto.yml: metadata-files must be [nbdev.yml, sidebar.yml]')
    if q.get('project', {}).get('type') != 'website': problems.append('nbs/_quarto.yml: project type must be website')
    ny = yaml.safe_load((ROOT/'nbs'/'nbdev.yml').read_text())
    if ny['project']['output-dir'] != cfg.doc_path.name: problems.append(f"nbs/nbdev.yml: output-dir is not settings.ini doc_path ({cfg.doc_path.name})")
    if ny['website']['site-url'] != cfg.doc_host + cfg.doc_baseurl: problems.append('nbs/nbdev.yml: site-url does not match settings.ini doc_host + doc_baseurl')
    side = yaml.safe_load((ROOT/'nbs'/'sidebar.yml').read_text())['website']['sidebar']['contents']
    listed = {Path(x).name for x in side if isinstance(x, str)}
    nbs = {p.name for p in (ROOT/'nbs').glob('*.ipynb') if not p.name.startswith(('_', '.'))}
    if nbs - listed: problems.append(f'nbs/sidebar.yml lacks {sorted(nbs - listed)}')
    for f in ('_quarto.yml', 'nbdev.yml', 'sidebar.yml', 'styles.css'):
        if not (proc/f).exists(): problems.append(f'_proc/{f} is missing')
    return problems

def render_html(nb_path:Path, out:Path)->Path:
    "One processed notebook as an HTML page (nbconvert); cells marked `echo: false` show only their output"
    import nbformat
    from nbconvert import HTMLExporter
    nb = nbformat.read(nb_path, as_version=4)
    nb = nbformat.validator.normalize(nb)[1] if hasattr(nbformat.validator, 'normalize') else nb  # nbdev drops cell ids
    cells = []
    for c in nb.cells:
        if c.cell_type == 'raw' and c.source.lstrip().startswith('---'):  # Quarto front matter: show title and description
            import yaml
            fm = yaml.safe_load(c.source.strip().strip('-')) or {}
            cells.append(nbformat.v4.new_markdown_cell(f"# {fm.get('title', nb_path.stem)}\n\n> {fm.get('description', '')}"))
            continue
        if c.cell_type == 'code' and re.search(r'^#\|\s*echo:\s*false', c.source, re.M):
            c.metadata['transient'] = {'remove_source': True}
            for o in c.get('outputs', []):  # Quarto link attributes (`{target=...}`) mean nothing to nbconvert
                md = o.get('data', {}).get('text/markdown')
                if md: o['data']['text/markdown'] = re.sub(r'\)\{target="_blank"[^}]*\}', ')', md)
        cells.append(c)
    nb.cells = cells
    body, _ = HTMLExporter(template_name='lab').from_notebook_node(nb)
    dest = out/f'{nb_path.stem}.html'
    dest.write_text(body, encoding='utf-8')
    return dest

def dump_dom(page:Path, profile:Path)->str:
    "The DOM headless Chromium builds for `page`"
    p = subprocess.run([chromium(), *CHROMIUM_FLAGS, f'--user-data-dir={profile}', '--dump-dom', page.as_uri()],
                       capture_output=True, text=True, timeout=120)
    if p.returncode or '<body' not in p.stdout: sys.exit(f'chromium failed on {page}: {p.stderr[-2000:]}')
    return p.stdout

def screenshot(page:Path, dest:Path, profile:Path):
    subprocess.run([chromium(), *CHROMIUM_FLAGS, f'--user-data-dir={profile}', '--hide-scrollbars', '--window-size=1280,1600',
                    f'--screenshot={dest}', page.as_uri()], capture_output=True, text=True, timeout=120, check=True)

def norm(s:str)->str:
    "Text as a reader sees it: markdown marks and spacing dropped"
    return re.sub(r'\s+', ' ', re.sub(r'[`*]', '', html.unescape(s))).strip()

def squash(s:str)->str:
    "`norm` without any spacing (rendering puts spaces around inline code)"
    return re.sub(r'\s+', '', norm(s))

def documented_symbols()->dict[str, list]:
    "{notebook stem: [(module name, symbol name, object)]}: the functions and classes in every module's `__all__`, and public `@patch` methods"
    out = {}
    for f in sorted((ROOT/'persona_vectors').glob('*.py')):
        if f.name.startswith('_'): continue
        src = f.read_text()
        m = re.search(r'File to edit: \.\./nbs/(.+?)\.ipynb', src)
        if not m: continue
        mod = importlib.import_module(f'persona_vectors.{f.stem}')
        for name in getattr(mod, '__all__', []):
            obj = getattr(mod, name)
            defined_here = getattr(getattr(obj, 'callback', None) or obj, '__module__', None) == mod.__name__  # not made by a factory elsewhere
            if (inspect.isfunction(obj) or inspect.isclass(obj) or hasattr(obj, 'callback')) and defined_here:  # click commands too
                out.setdefault(m[1], []).append((f.stem, name, obj))
        for meth, cls in re.findall(r'^@patch(?:\(.*?\))?\ndef (\w+)\((?:self|cls):\s*(\w+)', src, re.M):  # fastcore @patch methods
            if not meth.startswith('_'): out.setdefault(m[1], []).append((f.stem, f'{cls}.{meth}', getattr(getattr(mod, cls), meth)))
    return out

def expected_doc(obj)->tuple[list[str]|None, str]:
    "(parameter names, or None where show_doc renders no signature; the docstring's first paragraph)"
    fn = getattr(obj, 'callback', None) or obj  # a click command documents its function
    doc = inspect.getdoc(obj) if not hasattr(obj, 'callback') else (fn.__doc__ or '')
    if inspect.isclass(fn) and '__init__' not in vars(fn): return None, (doc or '').split('\n\n')[0]  # inherited: no signature
    try: sig = inspect.signature(fn.__init__ if inspect.isclass(fn) else fn)
    except (TypeError, ValueError): return None, (doc or '').split('\n\n')[0]
    return [p for p in sig.parameters if p != 'self'], (doc or '').split('\n\n')[0]

def check_page(dom:str, symbols:list)->list[str]:
    "What is missing on one page"
    from bs4 import BeautifulSoup
    soup = BeautifulSoup(dom, 'html.parser')
    blocks = {}
    for h in soup.find_all(['h2', 'h3', 'h4']):
        name = norm(h.get_text()).replace('¶', '').strip()
        block = h.find_parent(class_=re.compile('jp-RenderedMarkdown|jp-OutputArea-output')) or h.parent
        blocks.setdefault(name, []).append(block)
    missing = []
    for mod, name, obj in symbols:
        if hasattr(obj, 'callback') and hasattr(obj, 'params'):  # a click command: its command line and --help (cli_docs.doc_renderer)
            from persona_vectors.cli_docs import command_paths
            path = command_paths().get(getattr(obj.callback, '__name__', obj.name), f'persona-steer {obj.name}')
            texts = [squash(b.get_text(' ')) for b in blocks.get(path, [])]
            if not texts: missing.append(f'{mod}.{name}: no doc heading {path!r} (settings.ini renderer = persona_vectors.cli_docs.doc_renderer?)'); continue
            want = [(obj.help or '').split('\n\n')[0]] + [o for prm in obj.params for o in getattr(prm, 'opts', []) if o.startswith('-')]
            lost = [w for w in want if w and not any(squash(w) in t for t in texts)]
            if lost: missing.append(f'{mod}.{name}: the help of {path!r} on the page lacks {lost[:5]}')
            continue
        if name not in blocks: missing.append(f'{mod}.{name}: no doc heading'); continue
        params, doc = expected_doc(obj)
        texts = [b.get_text(' ') for b in blocks[name]]
        sig_ok = params is None or any(re.search(rf'(^|\s){re.escape(name)} \(', t) and all(re.search(rf'\b{re.escape(p)}\b', t) for p in params)
                     for t in texts)
        if not sig_ok: missing.append(f'{mod}.{name}: no rendered signature with parameters {params}')
        if not doc.strip(): missing.append(f'{mod}.{name}: has no docstring')
        elif not any(squash(doc) in squash(t) for t in texts): missing.append(f'{mod}.{name}: docstring not on the page ({doc[:60]!r})')
    return missing

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--screenshot', default=None, help='save a PNG of the first module page here')
    ap.add_argument('--force', action='store_true', help='process every notebook again (nbdev caches by modification time)')
    ap.add_argument('--n_workers', type=int, default=1)
    ap.add_argument('--keep', action='store_true', help='keep the Chromium profile folder')
    ap.add_argument('--skip-proc', action='store_true', help='check the pages of the last run in _proc without processing again')
    a = ap.parse_args()
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    proc, problems = (ROOT/'_proc', []) if a.skip_proc else proc_nbs(a.force, a.n_workers)
    problems += check_config(proc)
    out = proc/'_html'; out.mkdir(exist_ok=True)
    profile = Path(tempfile.mkdtemp(prefix='pv_chromium_'))
    try:
        symbols = documented_symbols()
        pages = sorted(p for p in proc.glob('*.ipynb'))
        missing_pages = sorted(set(symbols) - {p.stem for p in pages})
        problems += [f'_proc/{s}.ipynb was not produced (nbdev_proc_nbs failed on it?)' for s in missing_pages]
        n_checked = 0
        for nb in pages:
            page = render_html(nb, out)
            dom = dump_dom(page, profile)
            syms = symbols.get(nb.stem, [])
            miss = check_page(dom, syms)
            n_checked += len(syms)
            print(f"{nb.stem}: {len(syms) - len({m.split(':')[0] for m in miss})}/{len(syms)} documented, page {page.relative_to(ROOT)}")
            problems += miss
        if a.screenshot and pages:
            first = next((p for p in pages if p.stem in symbols), pages[0])
            screenshot(out/f'{first.stem}.html', Path(a.screenshot).resolve(), profile)
            print(f'screenshot of {first.stem} -> {a.screenshot}')
    finally:
        if not a.keep: shutil.rmtree(profile, ignore_errors=True)
    print(f'{n_checked} exported functions and classes checked')
    if problems:
        print(f'{len(problems)} problems:'); print('\n'.join(f'  - {p}' for p in problems))
        sys.exit(1)
    print('docs complete: every exported function and class has its signature and docstring')

if __name__ == '__main__': main()
