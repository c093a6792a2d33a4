"""Check that the notebooks' order follows their imports: no module imports, at import time, a module exported by a
later notebook (`nbs/` sorted by file name, as nbdev exports them). Imports inside functions (the CLI's commands load
their features on use, so `--help` stays fast) are listed with `--lazy` but are not errors.

    python tools/check_import_order.py [--lazy]
"""
import ast, json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def notebook_order()->dict:
    "{module name: position of the notebook that exports it}"
    order = {}
    for i, nb in enumerate(sorted((ROOT/'nbs').glob('*.ipynb'))):
        for c in json.loads(nb.read_text())['cells']:
            m = re.search(r'#\|\s*default_exp\s+(\S+)', ''.join(c['source']))
            if m: order[m.group(1)] = (i, nb.name); break
    return order

def imports(path:Path):
    "(module imported, line, at import time?) for each persona_vectors import in `path`"
    tree = ast.parse(path.read_text())
    top = {id(n) for n in tree.body} | {id(x) for n in tree.body if isinstance(n, (ast.If, ast.Try)) for x in ast.walk(n)}
    for n in ast.walk(tree):
        names = []
        if isinstance(n, ast.ImportFrom) and n.module:
            mod = n.module if n.level == 0 else 'persona_vectors.' + n.module
            names = [mod] if mod != 'persona_vectors' else [f'persona_vectors.{a.name}' for a in n.names]
        elif isinstance(n, ast.Import): names = [a.name for a in n.names]
        for name in names:
            if name.startswith('persona_vectors.'): yield name.split('.')[1], n.lineno, id(n) in top

def main():
    order, bad, lazy = notebook_order(), [], []
    for mod, (pos, nb) in sorted(order.items(), key=lambda kv: kv[1]):
        for dep, line, eager in imports(ROOT/'persona_vectors'/f'{mod}.py'):
            if dep in order and order[dep][0] > pos:
                (bad if eager else lazy).append(f'{mod}.py:{line} ({nb}) imports {dep} ({order[dep][1]})')
    if '--lazy' in sys.argv: print('\n'.join(['inside functions:'] + lazy))
    print('\n'.join(bad) or f'import order ok: {len(order)} modules, no import-time import of a later notebook ({len(lazy)} inside functions)')
    sys.exit(1 if bad else 0)

if __name__ == '__main__': main()
