# post-instruction readings: each of the last k prompt tokens (the template after the user's message), layers of the default band
from common import *
from persona_vectors.extract import encode_for
from persona_vectors.hooks import read_batched
K = {'smollm2': 6, 'gemma3-270m': 3}
name = sys.argv[1]; k = K[name]
torch.set_num_threads(1)
os.environ.pop('PERSONA_VECTORS_CACHE', None)
model, tok = load_model(name)
L = model.config.num_hidden_layers; layers = sorted(set(default_config()['layers'](L)) | {L//2})
convs, y, src = load_benchmark()
sets = {'benchmark': convs, 'train': load_labelled(shipped_safety('train'))[0]}
for kk in ('privacy', 'kinds'): sets[kk] = SL.EXTRA_ROWS[kk][0]
out = {}
for sname, cs in sets.items():
    enc = encode_for(tok, cs, 'last')
    res = {l: torch.empty(len(enc), k, model.config.hidden_size) for l in layers}
    def reduce_for(idx, batch):
        n = torch.tensor([enc[i][1] for i in idx])
        pos = n[:, None] - k + torch.arange(k)[None]
        rows = torch.arange(len(idx))[:, None]
        return lambda h: h[rows, pos].float()
    t0 = time.time()
    for idx, states in read_batched(model, [e[0] for e in enc], layers, reduce_for, batch_size=16, pad_id=tok.pad_token_id):
        for l in layers: res[l][idx] = states[l].cpu()
    out[sname] = res; print(sname, len(enc), f'{time.time()-t0:.0f}s', flush=True)
torch.save(out, OUT/f'post_{name}.pt')
