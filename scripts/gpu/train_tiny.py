#!/usr/bin/env python3
"""Tiny, real HF Trainer job used to record examples and to run the gate end to end on a GPU.

It fine-tunes a random-init Llama (byte-level vocabulary, ~3.4M parameters) on Python's own
standard-library sources (text every machine with Python has, no download), writes exactly what
TorchAcc's run_clm.py writes (train/eval/all_results.json, trainer_state.json) plus
eval_losses.jsonl (one held-out document per line: {"id", "loss", "tokens"}).

Variants (one flag each) make the arms of the calibration matrix:
  --compile            torch.compile (the "accelerated backend" stand-in: must PASS)
  --lr-scale 0.8       a real regression (wrong learning rate: must FAIL)
  --diverge-step K     from step K the LR is multiplied by 1e4 (divergence; early abort must stop it)
  --nan-step K         at step K a weight is overwritten with NaN (a kernel writing NaN)
  --data-seed S        a different data order (noise-floor calibration)
  --disable-tqdm       HF's disable_tqdm=True: logs printed by PrinterCallback, no progress bar
  --grad-ckpt          gradient checkpointing (a parity candidate)
  --attn eager|sdpa    attention implementation (a parity candidate when it differs from the baseline's)
  --pure-bf16          bf16 weights and optimizer state, no fp32 master weights (a real regression)
  --save-steps K       save a checkpoint every K steps (for a resumed run)
  --resume DIR         resume from this checkpoint dir (HF's resume_from_checkpoint)
  --cpu                train on the CPU in fp32 (no bf16 autocast): the probe's CPU validation

Planted numerical bugs (the probe must name each one; scripts/gpu/probe-validate.sh):
  --bug-rmsnorm-eps L:EPS      layer L's input_layernorm uses epsilon EPS
  --bug-attn-scale L:F         layer L's attention scale (1/sqrt(head_dim)) multiplied by F
  --bug-mlp-round L:DTYPE      layer L's MLP output rounded through DTYPE (float8_e4m3fn, bfloat16)
  --bug-grad-scale NAME:F      the gradient of parameter NAME multiplied by F

Flags that make a run look like TorchAcc's llama.sh job (scripts/gpu/record-llama-shaped.sh):
  --epochs N           num_train_epochs=N and no max_steps (llama.sh trains 2 epochs)
  --train-bytes B      size of the training text (fewer bytes, fewer steps per epoch)
  --logging-first-step HF's logging_first_step (steps 1, 5, 10, ...)
  --eval-steps K       eval_strategy="steps" every K steps (eval dicts interleaved in the log)
  --fp16               fp16 mixed precision with HF's loss scaler (skipped steps log grad_norm inf)
  --grad-accum G       gradient_accumulation_steps
  --log-level L        HF's log_level (info prints the "***** Running training *****" header)
  --memory-metrics     skip_memory_metrics=False (HF's *_mem_gpu_* metrics, where supported)
  --diverge-factor F   the LR multiplier of --diverge-step (default 1e4)
  --oom-step K         at step K allocate far more than the GPU has (a real torch.OutOfMemoryError)
  --fsdp OPTS          HF's --fsdp (e.g. "auto_wrap", as llama.sh passes it), with --fsdp_config FILE
"""
import argparse, json, math, os, sys, sysconfig, time

import torch
from torch.utils.data import Dataset
from transformers import (LlamaConfig, LlamaForCausalLM, Trainer, TrainerCallback,
                          TrainingArguments, default_data_collator)

p = argparse.ArgumentParser()
p.add_argument("--output_dir", required=True)
p.add_argument("--max_steps", type=int, default=400)
p.add_argument("--logging_steps", type=int, default=5)
p.add_argument("--batch_size", type=int, default=16)
p.add_argument("--block", type=int, default=256)
p.add_argument("--lr", type=float, default=1e-3)
p.add_argument("--lr-scale", type=float, default=1.0)
p.add_argument("--seed", type=int, default=42)
p.add_argument("--data-seed", type=int, default=None)
p.add_argument("--compile", action="store_true")
p.add_argument("--diverge-step", type=int, default=0)
p.add_argument("--nan-step", type=int, default=0)
p.add_argument("--disable-tqdm", action="store_true")
p.add_argument("--grad-ckpt", action="store_true")
p.add_argument("--attn", default=None, choices=["eager", "sdpa"])
p.add_argument("--pure-bf16", action="store_true")
p.add_argument("--save-steps", type=int, default=0)
p.add_argument("--resume", default=None)
p.add_argument("--cpu", action="store_true")
p.add_argument("--bug-rmsnorm-eps", default=None)
p.add_argument("--bug-attn-scale", default=None)
p.add_argument("--bug-mlp-round", default=None)
p.add_argument("--bug-grad-scale", default=None)
p.add_argument("--model", default=None, help="optional init checkpoint dir (the 'original model')")
p.add_argument("--save-init", default=None, help="write the random init here and exit")
p.add_argument("--epochs", type=float, default=0)
p.add_argument("--train-bytes", type=int, default=6_000_000)
p.add_argument("--logging-first-step", action="store_true")
p.add_argument("--eval-steps", type=int, default=0)
p.add_argument("--fp16", action="store_true")
p.add_argument("--grad-accum", type=int, default=1)
p.add_argument("--log-level", default="passive")
p.add_argument("--memory-metrics", action="store_true")
p.add_argument("--diverge-factor", type=float, default=1e4)
p.add_argument("--oom-step", type=int, default=0)
p.add_argument("--fsdp", default="")
p.add_argument("--fsdp_config", default=None)
args = p.parse_args()


def corpus():
    root = sysconfig.get_paths()["stdlib"]
    files = []
    for d, _, names in os.walk(root):
        if "site-packages" in d or "test" in d.split(os.sep):
            continue
        files += [os.path.join(d, n) for n in names if n.endswith(".py")]
    files.sort()
    return root, files


class Blocks(Dataset):
    def __init__(self, ids, block):
        n = len(ids) // block
        self.t = torch.tensor(ids[: n * block], dtype=torch.long).view(n, block)

    def __len__(self):
        return self.t.shape[0]

    def __getitem__(self, i):
        x = self.t[i]
        return {"input_ids": x, "labels": x}



def save_byte_tokenizer(path):
    """A tokenizer whose ids are the bytes themselves (what this script trains on), saved so that
    AutoTokenizer (and so FastChat's gen_model_answer) can load the model dir."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast
    # GPT-2's reversible byte -> printable-unicode table, which the ByteLevel pre-tokenizer uses.
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\xa1"), ord("\xac") + 1)) + list(range(ord("\xae"), ord("\xff") + 1))
    chars, extra = {}, 0
    for b in range(256):
        if b in printable:
            chars[b] = chr(b)
        else:
            chars[b] = chr(256 + extra)
            extra += 1
    vocab = {chars[b]: b for b in range(256)}
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tok.decoder = decoders.ByteLevel()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token=chars[0], bos_token=chars[1], eos_token=chars[2])
    fast.save_pretrained(path)


root, files = corpus()
train_ids, eval_docs, budget = [], [], args.train_bytes
for i, f in enumerate(files):
    data = open(f, "rb").read()
    if i % 20 == 0:
        if len(eval_docs) < 120 and len(data) >= args.block:
            doc = data[: args.block * 4]
            eval_docs.append((os.path.relpath(f, root), list(doc[: len(doc) // args.block * args.block])))
    elif len(train_ids) < budget:
        train_ids += list(data) + [0]
train_ds = Blocks(train_ids, args.block)
eval_ids = [t for _, d in eval_docs for t in d]
eval_ds = Blocks(eval_ids, args.block)

cfg = LlamaConfig(vocab_size=256, hidden_size=256, intermediate_size=1024, num_hidden_layers=4,
                  num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=args.block,
                  bos_token_id=1, eos_token_id=2, pad_token_id=0)
torch.manual_seed(0)  # same initial weights for every arm: the gate's precondition
if args.model:
    model = LlamaForCausalLM.from_pretrained(args.model)
else:
    model = LlamaForCausalLM(cfg)
if args.attn:
    model.set_attn_implementation(args.attn)
print(f"attention implementation: {model.config._attn_implementation}", flush=True)
if args.pure_bf16:
    model = model.to(torch.bfloat16)


def planted_bugs(model):
    """The numerical bugs the probe must localize, planted in the candidate (one flag each)."""
    layers = model.model.layers
    if args.bug_rmsnorm_eps:
        layer, eps = args.bug_rmsnorm_eps.split(":")
        layers[int(layer)].input_layernorm.variance_epsilon = float(eps)
        print(f"[bug] model.layers.{layer}.input_layernorm: epsilon {eps}", flush=True)
    if args.bug_attn_scale:
        layer, factor = args.bug_attn_scale.split(":")
        attn = layers[int(layer)].self_attn
        attn.scaling = attn.scaling * float(factor)
        print(f"[bug] model.layers.{layer}.self_attn: scale x{factor}", flush=True)
    if args.bug_mlp_round:
        layer, dtype = args.bug_mlp_round.split(":")
        low = getattr(torch, dtype)

        class RoundTrip(torch.autograd.Function):
            # Forward output and backward gradient both go through the narrow type, as a kernel
            # that stored its result (and the gradient) in it would.
            @staticmethod
            def forward(ctx, x):
                return x.to(low).to(x.dtype)

            @staticmethod
            def backward(ctx, g):
                return g.to(low).to(g.dtype)

        # Registered before the probe's hooks, so the probe sees the rounded output.
        layers[int(layer)].mlp.register_forward_hook(lambda m, a, out: RoundTrip.apply(out))
        print(f"[bug] model.layers.{layer}.mlp: output rounded through {dtype}", flush=True)
    if args.bug_grad_scale:
        name, factor = args.bug_grad_scale.rsplit(":", 1)
        param = dict(model.named_parameters())[name]
        param.register_hook(lambda g: g * float(factor))
        print(f"[bug] {name}: gradient x{factor}", flush=True)


planted_bugs(model)
if args.save_init:
    model.save_pretrained(args.save_init)
    save_byte_tokenizer(args.save_init)
    sys.exit(0)


class Faults(TrainerCallback):
    def on_step_begin(self, a, state, control, **kw):
        if args.diverge_step and state.global_step == args.diverge_step:
            sch = kw["lr_scheduler"]
            sch.base_lrs = [b * args.diverge_factor for b in sch.base_lrs]
            print(f"[fault] step {state.global_step}: learning rate x{args.diverge_factor:g}", flush=True)
        if args.nan_step and state.global_step == args.nan_step:
            with torch.no_grad():
                next(kw["model"].parameters()).view(-1)[:16] = float("nan")
            print(f"[fault] step {state.global_step}: NaN written into a weight", flush=True)
        if args.oom_step and state.global_step == args.oom_step:
            free, total = torch.cuda.mem_get_info()
            torch.empty(int(total * 4), dtype=torch.uint8, device="cuda")  # raises torch.OutOfMemoryError


extra = {}
if args.memory_metrics and "skip_memory_metrics" in TrainingArguments.__dataclass_fields__:
    extra["skip_memory_metrics"] = False
if args.fsdp:  # only when asked: transformers' own default stays untouched
    extra["fsdp"] = args.fsdp
    if args.fsdp_config:
        extra["fsdp_config"] = args.fsdp_config
targs = TrainingArguments(
    output_dir=args.output_dir, max_steps=-1 if args.epochs else args.max_steps,
    num_train_epochs=args.epochs or 3.0, per_device_train_batch_size=args.batch_size,
    per_device_eval_batch_size=args.batch_size, learning_rate=args.lr * args.lr_scale,
    gradient_accumulation_steps=args.grad_accum,
    warmup_steps=30, lr_scheduler_type="linear", weight_decay=0.0, max_grad_norm=1.0,
    logging_strategy="steps", logging_steps=args.logging_steps, logging_first_step=args.logging_first_step,
    save_strategy="steps" if args.save_steps else "no", save_steps=args.save_steps or 500,
    eval_strategy="steps" if args.eval_steps else "no", eval_steps=args.eval_steps or None,
    gradient_checkpointing=args.grad_ckpt, log_level=args.log_level,
    bf16=not (args.pure_bf16 or args.fp16 or args.cpu), fp16=args.fp16, use_cpu=args.cpu, torch_compile=args.compile, seed=args.seed,
    data_seed=args.data_seed, report_to="none", dataloader_num_workers=0,
    disable_tqdm=args.disable_tqdm, **extra)
trainer = Trainer(model=model, args=targs, train_dataset=train_ds, eval_dataset=eval_ds,
                  data_collator=default_data_collator, callbacks=[Faults()])
result = trainer.train(resume_from_checkpoint=args.resume)
metrics = dict(result.metrics)
metrics["train_samples"] = len(train_ds)
trainer.save_model()
trainer.log_metrics("train", metrics)
trainer.save_metrics("train", metrics)
trainer.save_state()

em = trainer.evaluate()
try:
    em["perplexity"] = math.exp(em["eval_loss"])
except (OverflowError, ValueError):
    em["perplexity"] = float("inf")
em["eval_samples"] = len(eval_ds)
trainer.log_metrics("eval", em)
trainer.save_metrics("eval", em)

# Per-document held-out losses (the format accuracy-gate reads for the paired eval-loss check). Every
# rank runs the forward passes (an FSDP model needs all ranks for each one); only rank 0 writes, as HF does.
model = trainer.model.eval()
dev = next(model.parameters()).device
rows = []
with torch.no_grad():
    for name, doc in eval_docs:
        x = torch.tensor(doc, dtype=torch.long, device=dev).view(-1, args.block)
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=dev.type == "cuda"):
            out = model(input_ids=x, labels=x)
        rows.append({"id": name, "loss": float(out.loss), "tokens": x.numel() - x.shape[0]})
if not trainer.is_world_process_zero():
    sys.exit(0)
with open(os.path.join(args.output_dir, "eval_losses.jsonl"), "w") as fh:
    for row in rows:
        fh.write(json.dumps(row) + "\n")
print(f"done: {args.output_dir}", flush=True)
