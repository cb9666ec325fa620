"""accuracy-gate probe: per-module numerics of the first training steps (stdlib + torch only).

Records, for the first K forward+backward passes in training mode, every module's forward output
and every parameter's gradient: the L2 norm, the abs-max, the number of non-finite elements and a
fixed sample of elements (the same indices in every run: chosen from the tensor's name and shape),
plus a hash of the input batch. `accuracy-gate probe` compares three such files (baseline,
candidate, and the baseline in higher precision); the format is in docs/formats.md ("Probe files").

Environment (the gate sets these for a probe stage):
  ACCURACY_GATE_PROBE            output file (JSON Lines); unset = the probe is off
  ACCURACY_GATE_PROBE_STEPS      K, forward+backward passes to record (default 1)
  ACCURACY_GATE_PROBE_SAMPLES    elements sampled per tensor (default 64)
  ACCURACY_GATE_PROBE_REFERENCE  fp64 | fp32: run as the reference (no autocast, no bf16/fp16, TF32
                                 off, the model's floating weights and inputs cast to that dtype)
  ACCURACY_GATE_PROBE_EXIT       1 (default): end the process (exit 0) once the file is written

HF Trainer is attached to automatically (Trainer.__init__ is wrapped when transformers.trainer is
imported). Any other training loop calls `accuracy_gate_probe.attach(model)` once, before its
first step; without ACCURACY_GATE_PROBE set, attach does nothing.
"""
import atexit
import hashlib
import json
import os
import random
import sys
import threading

__all__ = ["attach", "install"]

FORMAT = "accuracy-gate-probe"
VERSION = 1
_REFERENCE_DTYPES = {"fp64": "float64", "fp32": "float32"}


def _env_int(name, default):
    raw = os.environ.get(name, "")
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"accuracy-gate probe: {name} must be a whole number >= 1, got {raw!r}")
    if value < 1:
        raise SystemExit(f"accuracy-gate probe: {name} must be a whole number >= 1, got {raw!r}")
    return value


def _settings():
    ref = os.environ.get("ACCURACY_GATE_PROBE_REFERENCE", "").strip().lower() or None
    if ref is not None and ref not in _REFERENCE_DTYPES:
        raise SystemExit(f"accuracy-gate probe: ACCURACY_GATE_PROBE_REFERENCE must be fp64 or fp32, got {ref!r}")
    return {
        "file": os.environ.get("ACCURACY_GATE_PROBE", ""),
        "steps": _env_int("ACCURACY_GATE_PROBE_STEPS", 1),
        "samples": _env_int("ACCURACY_GATE_PROBE_SAMPLES", 64),
        "reference": ref,
        "exit": os.environ.get("ACCURACY_GATE_PROBE_EXIT", "1") != "0",
    }


def sample_indices(name, shape, count):
    """The flat indices sampled from a tensor: a function of its name and shape only (pure Python,
    so the same in every run, torch version and device)."""
    numel = 1
    for d in shape:
        numel *= int(d)
    if numel <= count:
        return list(range(numel))
    seed = int.from_bytes(hashlib.sha256(f"{name}|{tuple(int(d) for d in shape)}".encode()).digest()[:8], "big")
    return sorted(random.Random(seed).sample(range(numel), count))


def _reference_precision(torch, dtype_name):
    """Make matmuls and convolutions exact to their dtype, and autocast a no-op, in this process."""
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    try:
        torch.set_float32_matmul_precision("highest")
    except Exception:
        pass
    try:
        torch.backends.cuda.matmul.allow_bf16_reduced_precision_reduction = False
        torch.backends.cuda.matmul.allow_fp16_reduced_precision_reduction = False
    except Exception:
        pass
    autocast = torch.amp.autocast_mode.autocast
    if not getattr(autocast.__init__, "_gate_probe", False):
        original = autocast.__init__

        def init(self, *a, **kw):
            # Every autocast (HF/accelerate's bf16, a user's own) is entered disabled: the reference
            # computes in the model's dtype throughout.
            kw["enabled"] = False
            original(self, *a, **kw)

        init._gate_probe = True
        autocast.__init__ = init
    os.environ["ACCELERATE_MIXED_PRECISION"] = "no"


def _plain(name):
    return name.replace("_orig_mod.", "").replace("_orig_mod", "")


class _Probe:
    def __init__(self, torch, model, settings):
        self.torch = torch
        self.model = model
        self.s = settings
        self.lines = []
        self.step = 0
        self.active = False
        self.forward_done = False
        self.pending = []  # (record, device tensor of [norm, absmax, nonfinite], device tensor of samples)
        self.calls = {}
        self.order = 0
        self.grad_order = 0
        self.finalize_queued = False
        self.finished = False
        self.written = False
        self.idx_cache = {}
        self.handles = []
        self.lock = threading.Lock()
        self.dtype = None
        # torch.compile and DDP wrappers add a prefix; names are the plain model's in every run.
        self.names = {id(m): _plain(n) for n, m in model.named_modules()}
        self.rank = int(os.environ.get("RANK", "0") or 0)

    # -- tensors -------------------------------------------------------------------------------
    def stats(self, name, t):
        torch = self.torch
        t = t.detach()
        flat = t.reshape(-1)
        key = (name, tuple(t.shape), str(t.device))
        idx = self.idx_cache.get(key)
        if idx is None:
            idx = torch.tensor(sample_indices(name, t.shape, self.s["samples"]), dtype=torch.long, device=t.device)
            self.idx_cache[key] = idx
        if flat.numel() == 0:
            summary = torch.zeros(3, dtype=torch.float64, device=t.device)
        else:
            finite = torch.isfinite(flat)
            summary = torch.stack([
                torch.linalg.vector_norm(flat, dtype=torch.float64),
                torch.linalg.vector_norm(flat.float(), ord=float("inf")).double(),
                (~finite).sum().double(),
            ])
        return summary, flat.index_select(0, idx).double(), idx

    def add(self, record, t):
        summary, sample, idx = self.stats(record["name"], t)
        record.update(shape=list(t.shape), dtype=str(t.dtype).replace("torch.", ""))
        self.pending.append((record, summary, sample, idx))

    # -- forward -------------------------------------------------------------------------------
    def pre_root(self, module, args, kwargs):
        torch = self.torch
        if self.finished or self.active or not module.training or not torch.is_grad_enabled():
            return None
        self.active, self.forward_done = True, False
        self.calls, self.order, self.grad_order, self.finalize_queued = {}, 0, 0, False
        self.lines.append({"kind": "batch", "step": self.step, "hash": self.batch_hash(args, kwargs)})
        if self.s["reference"]:
            # Again at every step: a script may have switched TF32 on after attach().
            _reference_precision(torch, self.s["reference"])
            dtype = getattr(torch, _REFERENCE_DTYPES[self.s["reference"]])
            cast = lambda x: x.to(dtype) if torch.is_tensor(x) and x.is_floating_point() else x
            return tuple(cast(a) for a in args), {k: cast(v) for k, v in kwargs.items()}
        return None

    def batch_hash(self, args, kwargs):
        h = hashlib.sha256()
        items = [(str(i), a) for i, a in enumerate(args)] + sorted(kwargs.items())
        for key, value in items:
            if not self.torch.is_tensor(value):
                continue
            t = value.detach().cpu().contiguous()
            h.update(f"{key}|{t.dtype}|{tuple(t.shape)}|".encode())
            h.update(bytes(t.reshape(-1).view(self.torch.uint8).tolist()))
        return "sha256:" + h.hexdigest()

    def post(self, module, args, output):
        if not self.active or self.forward_done:
            return
        name = self.names.get(id(module), "?")
        name = name or "(root)"
        call = self.calls.get(name, 0)
        self.calls[name] = call + 1
        for label, t in self.outputs(output):
            self.add({"kind": "forward", "step": self.step, "order": self.order, "name": name, "call": call, "output": label}, t)
            self.order += 1
        if module is self.model:
            self.forward_done = True

    def outputs(self, output):
        torch = self.torch
        if torch.is_tensor(output):
            return [("0", output)] if output.is_floating_point() else []
        if isinstance(output, dict):  # HF ModelOutput: loss, logits, ... (caches are not tensors)
            return [(str(k), v) for k, v in output.items() if torch.is_tensor(v) and v.is_floating_point()]
        if isinstance(output, (tuple, list)):
            for i, v in enumerate(output):
                if torch.is_tensor(v) and v.is_floating_point():
                    return [(str(i), v)]
        return []

    # -- backward ------------------------------------------------------------------------------
    def grad_hook(self, name):
        def hook(param):
            if not self.active or not self.forward_done or param.grad is None:
                return
            with self.lock:
                self.add({"kind": "grad", "step": self.step, "order": self.grad_order, "name": name}, param.grad)
                self.grad_order += 1
                if not self.finalize_queued:
                    self.finalize_queued = True
                    self.torch.autograd.Variable._execution_engine.queue_callback(self.finalize_step)
        return hook

    def finalize_step(self):
        for record, summary, sample, idx in self.pending:
            norm, absmax, nonfinite = summary.tolist()
            record.update(norm=norm, absmax=absmax, nonfinite=int(nonfinite), index=idx.tolist(), sample=sample.tolist())
            self.lines.append(record)
        self.pending = []
        self.active = False
        self.step += 1
        if self.step >= self.s["steps"]:
            self.finished = True
            self.write(complete=True)
            for h in self.handles:
                h.remove()
            if self.s["exit"]:
                sys.stdout.flush()
                sys.stderr.flush()
                print(f"accuracy-gate probe: {self.step} step(s) recorded in {self.s['file']}; ending the run", file=sys.stderr, flush=True)
                os._exit(0)

    # -- file ----------------------------------------------------------------------------------
    def header(self):
        torch = self.torch
        p = next(self.model.parameters(), None)
        device = str(p.device) if p is not None else "cpu"
        name = torch.cuda.get_device_name(p.device) if p is not None and p.device.type == "cuda" else device
        return {"kind": "header", "format": FORMAT, "version": VERSION, "mode": "reference" if self.s["reference"] else "run",
                "reference": self.s["reference"], "param_dtype": str(p.dtype).replace("torch.", "") if p is not None else None,
                "steps": self.s["steps"], "samples": self.s["samples"], "torch": torch.__version__, "device": name,
                "model": type(self.model).__name__}

    def write(self, complete):
        if self.written or self.rank != 0:
            return
        self.written = True
        path = self.s["file"]
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        lines = [self.header()] + self.lines
        if complete:
            lines.append({"kind": "end", "steps": self.step})
        tmp = f"{path}.tmp{os.getpid()}"
        with open(tmp, "w") as fh:
            for line in lines:
                fh.write(json.dumps(line) + "\n")
        os.replace(tmp, path)


_attached = []


def attach(model):
    """Record `model`'s first K training steps into $ACCURACY_GATE_PROBE. Call once, before the first
    step (and, for the reference run, before the optimizer is built: the weights are cast in place).
    Returns the model (the plain one, when given a compiled or data-parallel wrapper). Without
    ACCURACY_GATE_PROBE set, does nothing."""
    s = _settings()
    if not s["file"]:
        return model
    import torch
    # Hooks go on the plain model: torch.compile's OptimizedModule and the data-parallel wrappers
    # only prefix its names (and a compiled model called later still runs the plain model's hooks).
    while True:
        inner = getattr(model, "_orig_mod", None)
        if inner is None and type(model).__name__ in ("DistributedDataParallel", "DataParallel"):
            inner = getattr(model, "module", None)
        if inner is None:
            break
        model = inner
    if any(p.model is model for p in _attached):
        return model
    if _attached:
        print("accuracy-gate probe: a second model was attached; only the first is recorded", file=sys.stderr)
        return model
    if s["reference"]:
        _reference_precision(torch, s["reference"])
        model.to(getattr(torch, _REFERENCE_DTYPES[s["reference"]]))
    probe = _Probe(torch, model, s)
    run = getattr(torch.compiler, "disable", None) or (lambda f: f)
    probe.handles.append(model.register_forward_pre_hook(run(probe.pre_root), with_kwargs=True))
    post = run(probe.post)
    for _, m in model.named_modules():
        probe.handles.append(m.register_forward_hook(post))
    for name, p in model.named_parameters():
        if p.requires_grad:
            probe.handles.append(p.register_post_accumulate_grad_hook(probe.grad_hook(_plain(name))))
    _attached.append(probe)
    # A run that ends before K steps still leaves its file: without the "end" line, which the gate
    # reports as incomplete rather than judging.
    atexit.register(lambda: probe.write(complete=False))
    return model


def _patch_trainer(module):
    trainer_cls = getattr(module, "Trainer", None)
    if trainer_cls is None or getattr(trainer_cls.__init__, "_gate_probe", False):
        return
    original = trainer_cls.__init__

    def init(self, *a, **kw):
        original(self, *a, **kw)
        if getattr(self, "model", None) is not None:
            attach(self.model)

    init._gate_probe = True
    trainer_cls.__init__ = init


def _patch_training_args(module):
    cls = getattr(module, "TrainingArguments", None)
    if cls is None or getattr(cls.__post_init__, "_gate_probe", False):
        return
    original = cls.__post_init__

    def post_init(self):
        # The reference runs without mixed precision or TF32, whatever the script asked for.
        for flag in ("bf16", "fp16", "bf16_full_eval", "fp16_full_eval"):
            if getattr(self, flag, False):
                setattr(self, flag, False)
        if getattr(self, "tf32", None):
            self.tf32 = False
        original(self)

    post_init._gate_probe = True
    cls.__post_init__ = post_init


class _Finder:
    """Patches transformers' Trainer (and, for the reference, TrainingArguments) when they are
    imported, without importing transformers (or torch) ourselves."""

    targets = {"transformers.trainer": _patch_trainer, "transformers.training_args": _patch_training_args}

    def find_spec(self, fullname, path=None, target=None):
        patch = self.targets.get(fullname)
        if patch is None or (fullname == "transformers.training_args" and not _settings()["reference"]):
            return None
        import importlib.machinery
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        loader = spec.loader
        exec_module = loader.exec_module

        def run(module):
            exec_module(module)
            patch(module)

        loader.exec_module = run
        return spec


def install():
    """Called by sitecustomize when ACCURACY_GATE_PROBE is set."""
    s = _settings()
    if not s["file"] or any(isinstance(f, _Finder) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _Finder())
    if s["reference"]:
        os.environ["ACCELERATE_MIXED_PRECISION"] = "no"
        if "torch" in sys.modules:
            _reference_precision(sys.modules["torch"], s["reference"])
    for name, patch in _Finder.targets.items():  # already imported (unusual for a sitecustomize)
        if name in sys.modules:
            patch(sys.modules[name])
