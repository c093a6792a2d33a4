"""Write README.md from nbs/index.ipynb without Quarto (nbdev_readme needs it): executed outputs are kept,
hidden cells (`#| hide`) and nbdev directives are dropped. Run by the docs step: `python tools/make_readme.py`."""
import re
from pathlib import Path
import nbformat
from nbconvert import MarkdownExporter

root = Path(__file__).resolve().parent.parent
nb = nbformat.read(root/'nbs'/'index.ipynb', as_version=4)
hidden = lambda c: any(l.replace(' ', '') in ('#|hide', '#|include:false') for l in c.source.splitlines())
nb.cells = [c for c in nb.cells if not hidden(c)]
nb.metadata['language_info'] = {'name': 'python'}  # fenced code blocks get their language
for c in nb.cells:
    c.source = '\n'.join(l for l in c.source.splitlines() if not l.startswith('#|'))
nb.cells = [c for c in nb.cells if c.source.strip()]
md, _ = MarkdownExporter().from_notebook_node(nb)
md = re.sub(r'^> (.*)$', r'*\1*', md, count=1, flags=re.M)
(root/'README.md').write_text('<!-- generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook -->\n\n' + md.strip() + '\n')
print('wrote README.md')
