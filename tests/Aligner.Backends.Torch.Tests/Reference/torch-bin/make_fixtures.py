"""Writes the torch.save fixtures the .bin reader is checked against (run once with Debian's python3-torch 1.13):
  python3 make_fixtures.py
reference.bin   a state dict as PyTorch writes it: an nn.Linear's state_dict (OrderedDict with _metadata) plus tensors of
                several dtypes, a view at an offset into a shared storage and a tied pair; reference.json has their values.
malicious.bin   torch.save of an object whose __reduce__ calls os.system: the reader must refuse it (saving runs nothing).
"""
import collections, json, os, torch

torch.manual_seed(0)
linear = torch.nn.Linear(3, 2)
state = linear.state_dict()                       # OrderedDict with ._metadata
base = torch.arange(20, dtype=torch.float32) / 4
state["view"] = base[5:11].view(2, 3)             # storage offset 5 into a 20-element storage
state["base"] = base
state["bf16"] = torch.tensor([1.5, -2.25, 3.0, 0.1], dtype=torch.bfloat16)
state["f16"] = torch.tensor([0.5, -1.0, 65504.0], dtype=torch.float16)
state["i64"] = torch.tensor([7, -3], dtype=torch.int64)
state["tied"] = state["weight"]                   # the same tensor under two names
state["scalar"] = torch.tensor(2.5)
here = os.path.dirname(os.path.abspath(__file__))
torch.save(state, os.path.join(here, "reference.bin"))
values = {k: [float(x) for x in v.float().reshape(-1).tolist()] for k, v in state.items()}
shapes = {k: list(v.shape) for k, v in state.items()}
dtypes = {k: str(v.dtype).replace("torch.", "") for k, v in state.items()}
with open(os.path.join(here, "reference.json"), "w") as f:
    json.dump({"values": values, "shapes": shapes, "dtypes": dtypes, "torch": torch.__version__}, f, indent=1)

class Payload:
    def __reduce__(self):
        return (os.system, ("touch /tmp/aligner-pickle-was-executed",))

torch.save(collections.OrderedDict(weight=torch.zeros(2), payload=Payload()), os.path.join(here, "malicious.bin"))
