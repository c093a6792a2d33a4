# What the MLP detector's score costs per prompt on the guard's path (one prompt, the default's 7 layers of SmolLM2's
# width, 64 hidden units, random activations): as the library scores (weights kept in float64) and with the weights
# converted to float64 on every call, as it did before. python score_cost.py
import time, numpy as np, torch
from persona_vectors.monitor import MLPDetector
L, H = [12, 15, 18, 21, 24, 27, 30], 576
g = torch.Generator().manual_seed(0)
acts = {l: torch.randn(400, H, generator=g) for l in L}
d = MLPDetector(L).fit_acts(acts, np.r_[np.ones(200), np.zeros(200)].astype(int))
one = {l: a[:1] for l, a in acts.items()}
def converting(a): return ((sum(a[l].double() @ d.units[l].float().double() for l in L) + d.b1).relu() @ d.w2 + d.b2).numpy()
assert np.array_equal(converting(acts), d._score(acts))   # the same scores, bit for bit
def us(f, n=3000):
    f(); t0 = time.perf_counter()
    for _ in range(n): f()
    return (time.perf_counter() - t0) / n * 1e6
with torch.inference_mode():
    print(f'score one prompt: {us(lambda: d._score(one)):.0f} us as the library does, {us(lambda: converting(one)):.0f} us converting the weights per call')
