/**
 * The launch files the LoRA export writes: a PyTorch/PEFT training script (accelerate-aware, so it runs under
 * `accelerate launch` or `torchrun`, on one or several machines; each process reads its own data shards), an
 * accelerate config for DDP and one for DeepSpeed ZeRO-2 with its DeepSpeed config, and launch commands. The script realises the paper's
 * step 6 on the LLM itself: teacher view (with reference) and student view (without), the score read from the
 * ten digit tokens at the answer position, loss CE_t + a CE_s + b KL(t || s) with the teacher detached.
 * It is written, not run, by selfj (the build machine has no torch); keep it plain and dependency-light.
 */

export interface LoraLaunchConfig {
  baseModel: string;
  r: number;
  alpha: number;
  dropout: number;
  targetModules: string[];
  lr: number;
  warmupSteps: number;
  epochs: number;
  /** Global batch size (per-device batch x gradient accumulation x processes). */
  batchSize: number;
  perDeviceBatchSize: number;
  cutoffLen: number;
  studentWeight: number;
  klWeight: number;
  seed: number;
}

/** Paper settings (docs/method.md §6). */
export const PAPER_LORA: Omit<LoraLaunchConfig, 'baseModel' | 'seed'> = {
  r: 16,
  alpha: 16,
  dropout: 0.05,
  targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj'],
  lr: 3e-4,
  warmupSteps: 100,
  epochs: 2,
  batchSize: 128,
  perDeviceBatchSize: 8,
  cutoffLen: 1024,
  studentWeight: 0.3,
  klWeight: 2,
};

export const TRAIN_SCRIPT = String.raw`#!/usr/bin/env python3
"""Self-J judge as the LLM itself: LoRA self-distillation on selfj's exported pairs.

Input: the data shards from 'selfj export' (data/index.json + data/train-*-of-*.jsonl; one line per item:
       teacher/student prompts, their parts, label digit, two-hot target); each process reads only its own shard files.
Run:   accelerate launch --config_file accelerate.yaml train_selfj_lora.py --config lora-config.json
   or: accelerate launch --config_file accelerate-deepspeed.yaml ... (DeepSpeed ZeRO-2)
   or: torchrun --nproc_per_node 8 train_selfj_lora.py --config lora-config.json
Needs: torch, transformers, peft, accelerate (and deepspeed for the ZeRO config).
"""
import argparse, json, math, os, random, re

import torch
import torch.nn.functional as F
from accelerate import Accelerator
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, AutoTokenizer, get_linear_schedule_with_warmup


def encode(tok, prompt):
    # Chat prompts (lists of {role, content}) go through the model's chat template; plain strings stay as they are.
    if isinstance(prompt, list):
        text = tok.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True)
    else:
        text = prompt
    return tok(text, add_special_tokens=not isinstance(prompt, list))["input_ids"]


def fill(text, parts):
    return re.sub(r"\{\{\s*(instruction|response|reference)\s*\}\}", lambda m: parts.get(m.group(1)) or "", text)


def render_prompt(t, parts, chat):
    """The prompt of one view from its template, exactly as selfj renders it."""
    user = fill(t.get("user", ""), parts)
    if chat:
        return ([{"role": "system", "content": t["system"]}] if t.get("system") else []) + [{"role": "user", "content": user}]
    return (t["system"] + "\n\n" if t.get("system") else "") + user + t.get("answerPrefix", "")


def cap_for(lengths, total):
    """The largest cap with sum(min(length, cap)) <= total: the longer parts are cut first, to one length."""
    lo, hi = 0, max(lengths, default=0)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if sum(min(n, mid) for n in lengths) <= total:
            lo = mid
        else:
            hi = mid - 1
    return lo


VIEWS = {"teacher": ("withReference", ["reference", "response"]), "student": ("referenceFree", ["response"])}


def fit_prompt(tok, row, view, cfg):
    """Token ids of one view of a row within cfg["cutoffLen"], and how they were made: "whole"; "trimmed" (the
    response and the reference were shortened, the longer first, and re-rendered: the system text, the
    instruction and the end of the prompt, where the score digit is read, stay whole); or "cut" (even without
    them it is too long, or the export has no parts: the end is kept)."""
    cutoff = cfg["cutoffLen"]
    ids = encode(tok, row[view]["prompt"])
    if len(ids) <= cutoff:
        return ids, "whole"
    template, names = VIEWS[view]
    t = (cfg.get("templates") or {}).get(template)
    parts = row.get("parts")
    if not t or not parts:
        return ids[-cutoff:], "cut"
    toks = {k: tok(parts.get(k) or "", add_special_tokens=False)["input_ids"] for k in names}
    cap = max(len(v) for v in toks.values())
    for _ in range(16):
        over = len(ids) - cutoff
        if over <= 0:
            return ids, "trimmed"
        if cap == 0:
            break
        cap = cap_for([len(v) for v in toks.values()], max(0, sum(min(len(v), cap) for v in toks.values()) - over))
        short = dict(parts)
        for k, v in toks.items():
            if len(v) > cap:
                short[k] = tok.decode(v[:cap], skip_special_tokens=True) + " [...]"
        ids = encode(tok, render_prompt(t, short, cfg.get("chat", isinstance(row[view]["prompt"], list))))
    return ids[-cutoff:], "cut"


def digit_ids(tok):
    """Token ids of each digit 0..9: the bare and the space-prefixed forms that are one token, each id once.
    The score sums them, as selfj's digit read-out does."""
    out = []
    for d in "0123456789":
        cands = [tok.convert_tokens_to_ids(t) for t in (d, "\u2581" + d, "\u0120" + d)]
        for text in (d, " " + d):
            enc = tok(text, add_special_tokens=False)["input_ids"]
            if len(enc) == 1:
                cands.append(enc[0])
        cands = [c for c in cands if c is not None and c != tok.unk_token_id]
        if not cands:
            cands = [tok(d, add_special_tokens=False)["input_ids"][-1]]
        out.append(sorted(set(cands)))
    return out


def batches(rows, size, seed, epoch):
    order = list(range(len(rows)))
    random.Random(seed * 1000 + epoch).shuffle(order)
    for i in range(0, len(order), size):
        yield [rows[j] for j in order[i:i + size]]


def last_digit_logprobs(model, tok, seqs, digits, device):
    width = max(len(s) for s in seqs)
    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    ids = torch.full((len(seqs), width), pad, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, s in enumerate(seqs):  # left padding: the answer position is the last column for every row
        ids[i, width - len(s):] = torch.tensor(s)
        mask[i, width - len(s):] = 1
    out = model(input_ids=ids.to(device), attention_mask=mask.to(device))
    logits = out.logits[:, -1, :].float()
    # a digit's probability is the sum over its token forms; renormalised over the ten digits
    per = torch.stack([torch.logsumexp(logits[:, ids], dim=-1) for ids in digits], dim=-1)
    return F.log_softmax(per, dim=-1)


def load_rows(cfg, rank, world):
    """This process's training rows and the total. With as many shard files as processes (or a multiple), rank r
    reads files r, r + world, ...; otherwise every rank reads all files and keeps rows r, r + world, ... Every
    rank keeps the same number of rows (the smallest share), so that no rank waits for a batch that never comes."""
    path = cfg.get("dataIndex")
    if not path:  # an export from before data shards: the single records file
        rows = [json.loads(l) for l in open(cfg["data"]) if l.strip()]
        rows = [r for r in rows if r.get("split", "train") == "train"]
        per = len(rows) // world
        return rows[rank::world][:per], per * world
    index = json.load(open(path))
    base = os.path.dirname(os.path.abspath(path))
    files = index["splits"].get("train", {"files": []})["files"]
    if files and len(files) % world == 0:
        per = min(sum(f["rows"] for f in files[r::world]) for r in range(world))
        mine = files[rank::world]
        rows = [json.loads(l) for f in mine for l in open(os.path.join(base, f["path"])) if l.strip()]
    else:
        every = [json.loads(l) for f in files for l in open(os.path.join(base, f["path"])) if l.strip()]
        per = len(every) // world
        rows = every[rank::world]
    return rows[:per], per * world


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default="lora-config.json")
    cfg = json.load(open(ap.parse_args().config))
    world = max(1, int(os.environ.get("WORLD_SIZE", "1")))
    acc = Accelerator(gradient_accumulation_steps=max(1, cfg["batchSize"] // (cfg["perDeviceBatchSize"] * world)))
    torch.manual_seed(cfg["seed"])
    tok = AutoTokenizer.from_pretrained(cfg["baseModel"])
    model = AutoModelForCausalLM.from_pretrained(cfg["baseModel"], torch_dtype=torch.bfloat16)
    model = get_peft_model(model, LoraConfig(r=cfg["r"], lora_alpha=cfg["alpha"], lora_dropout=cfg["dropout"],
                                             target_modules=cfg["targetModules"], task_type="CAUSAL_LM"))
    shard, total = load_rows(cfg, acc.process_index, acc.num_processes)
    digits = digit_ids(tok)
    steps_per_epoch = math.ceil(total / (cfg["perDeviceBatchSize"] * acc.num_processes * acc.gradient_accumulation_steps))
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=0.0)
    sched = get_linear_schedule_with_warmup(opt, cfg["warmupSteps"], steps_per_epoch * cfg["epochs"])
    model, opt, sched = acc.prepare(model, opt, sched)
    fitted = {"whole": 0, "trimmed": 0, "cut": 0}

    def fit(rows, view):
        seqs = []
        for r in rows:
            ids, how = fit_prompt(tok, r, view, cfg)
            fitted[how] += 1
            seqs.append(ids)
        return seqs

    for epoch in range(cfg["epochs"]):
        for step, b in enumerate(batches(shard, cfg["perDeviceBatchSize"], cfg["seed"], epoch)):
            with acc.accumulate(model):
                y = torch.tensor([r["target"] for r in b], device=acc.device)
                lt = last_digit_logprobs(model, tok, fit(b, "teacher"), digits, acc.device)
                ls = last_digit_logprobs(model, tok, fit(b, "student"), digits, acc.device)
                ce_t = -(y * lt).sum(-1).mean()
                ce_s = -(y * ls).sum(-1).mean()
                pt = lt.detach().exp()  # teacher detached inside the KL term
                kl = (pt * (lt.detach() - ls)).sum(-1).mean()
                loss = ce_t + cfg["studentWeight"] * ce_s + cfg["klWeight"] * kl
                acc.backward(loss)
                opt.step(); sched.step(); opt.zero_grad()
            if step % 10 == 0 and acc.is_main_process:
                print(json.dumps({"epoch": epoch, "step": step, "loss": loss.item(), "ceTeacher": ce_t.item(), "ceStudent": ce_s.item(), "kl": kl.item()}), flush=True)
    print(json.dumps({"rank": acc.process_index, "prompts": fitted}), flush=True)
    acc.wait_for_everyone()
    if acc.is_main_process:
        acc.unwrap_model(model).save_pretrained(cfg["output"])
        tok.save_pretrained(cfg["output"])


if __name__ == "__main__":
    main()
`;

/** accelerate config: DDP, or DeepSpeed with the given config file; several machines read their rank from env. */
export function accelerateYaml(processes: number, nodes = 1, deepspeedFile?: string): string {
  const world = processes * nodes;
  const kind = deepspeedFile ? 'DEEPSPEED' : world > 1 ? 'MULTI_GPU' : 'NO';
  return `# accelerate config for selfj LoRA judge training (edit for your cluster; see 'accelerate config')
# num_processes counts every process on every machine; launch.sh passes --machine_rank and the main address.
compute_environment: LOCAL_MACHINE
distributed_type: ${kind}
${deepspeedFile ? `deepspeed_config:\n  deepspeed_config_file: ${deepspeedFile}\n  zero3_init_flag: false\n` : ''}num_machines: ${nodes}
num_processes: ${world}
mixed_precision: bf16
machine_rank: 0
main_training_function: main
use_cpu: false
`;
}

/**
 * DeepSpeed ZeRO stage 2 (optimizer state and gradients partitioned; the LoRA model itself is small). Batch sizes
 * are explicit: accelerate without a DataLoader cannot fill in "auto"; they match the script's accumulation.
 */
export function deepspeedConfig(cfg: Pick<LoraLaunchConfig, 'batchSize' | 'perDeviceBatchSize'>, world: number): Record<string, unknown> {
  return {
    train_micro_batch_size_per_gpu: cfg.perDeviceBatchSize,
    gradient_accumulation_steps: Math.max(1, Math.floor(cfg.batchSize / (cfg.perDeviceBatchSize * world))),
    gradient_clipping: 1.0,
    bf16: { enabled: true },
    zero_optimization: { stage: 2, overlap_comm: true, contiguous_gradients: true, reduce_bucket_size: 5e8, allgather_bucket_size: 5e8 },
    steps_per_print: 50,
    wall_clock_breakdown: false,
  };
}

export function launchScript(processes: number, nodes = 1): string {
  return `#!/bin/sh
# Train the Self-J judge as a LoRA adapter on the exported data shards. One machine: sh launch.sh
# Several machines: on each, NODE_RANK=<0..${Math.max(0, nodes - 1)}> MASTER_ADDR=<machine 0> sh launch.sh (NNODES=${nodes} by default)
# DeepSpeed ZeRO-2: LAUNCHER=deepspeed sh launch.sh    torchrun: LAUNCHER=torchrun sh launch.sh
set -eu
cd "$(dirname "$0")"
NNODES=\${NNODES:-${nodes}}
NPROC_PER_NODE=\${NPROC_PER_NODE:-${processes}}
NODE_RANK=\${NODE_RANK:-0}
MASTER_ADDR=\${MASTER_ADDR:-127.0.0.1}
MASTER_PORT=\${MASTER_PORT:-29500}
case "\${LAUNCHER:-accelerate}" in
  accelerate) CONFIG=accelerate.yaml ;;
  deepspeed) CONFIG=accelerate-deepspeed.yaml ;;
  torchrun)
    exec torchrun --nnodes "$NNODES" --nproc_per_node "$NPROC_PER_NODE" --node_rank "$NODE_RANK" \\
      --master_addr "$MASTER_ADDR" --master_port "$MASTER_PORT" train_selfj_lora.py --config lora-config.json ;;
  *) echo "LAUNCHER must be accelerate, deepspeed or torchrun" >&2; exit 2 ;;
esac
exec accelerate launch --config_file "$CONFIG" --num_machines "$NNODES" --num_processes "$((NNODES * NPROC_PER_NODE))" \\
  --machine_rank "$NODE_RANK" --main_process_ip "$MASTER_ADDR" --main_process_port "$MASTER_PORT" \\
  train_selfj_lora.py --config lora-config.json
`;
}
