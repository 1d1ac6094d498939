# Sampling speed of the generator vs diffusers' pipeline loop, and the quality cost of fewer steps.
"""Benchmark: pairs/s for DDPM-1000, DDIM-50 and DPM-Solver++-20, and mask/image agreement.

Speed: the *same* trained U-Net weights and sampler (respaced steps, same scheduler config)
run through (a) ``JointDDPM.sample`` -- ``torch.inference_mode``, one batched loop, per-sample
generators, decoding to uint8 images and label maps on the device -- and (b) diffusers' own
``DDPMPipeline`` loop (``UNet2DModel`` + the scheduler, ``output_type='np'``). Runs alternate
and the median of ``--repeats`` is reported. Target: ours / diffusers >= 1.0 on CPU, >= 1.3
on a GPU, where ``--bf16 --channels-last --compile [MODE]`` speed up ours
(``JointDDPM.enable_fast_sampling``) and the diffusers loop runs as shipped.

Quality (with ``--segmentor-config/--segmentor-checkpoint``): for each setting, ``--quality-n``
pairs are generated at the generator's own size; a segmentor trained on *real* data predicts
on the generated images; pixel accuracy and mIoU between its prediction and the generated mask
(invalid codes ignored) say how well image and mask agree.

    .venv/bin/python benchmarks/sampling_throughput.py --config GEN_CFG --checkpoint GEN_CKPT
        [--size 64] [--batch-size 8] [--settings ddpm:1000 ddim:50 dpm-solver++:20]
        [--segmentor-config SEG_CFG --segmentor-checkpoint SEG_CKPT --quality-n 32]

Numbers go to stdout, ``benchmarks/results/sampling_<device>.json`` and ``.md``.
"""
import argparse
import os
import os.path as osp
import platform
import statistics
import time

import numpy as np
import torch

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--config', required=True, help='generator config')
    p.add_argument(
        '--checkpoint',
        default=None,
        help='generator checkpoint (EMA weights); random weights if omitted')
    p.add_argument('--size', type=int, default=64, help='sampling size for the speed test')
    p.add_argument('--batch-size', type=int, default=8)
    p.add_argument('--settings', nargs='+', default=['ddpm:1000', 'ddim:50', 'dpm-solver++:20'])
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--bf16', action='store_true', help='ours: bf16 autocast of the denoiser (GPU)')
    p.add_argument('--channels-last', action='store_true', help='ours: NHWC weights')
    p.add_argument(
        '--compile',
        nargs='?',
        const='default',
        default=None,
        metavar='MODE',
        help='ours: torch.compile the denoiser (MODE: default, reduce-overhead = CUDA graphs, '
        'max-autotune). The diffusers pipeline loop always runs as diffusers ships it.')
    p.add_argument('--segmentor-config', default=None)
    p.add_argument('--segmentor-checkpoint', default=None)
    p.add_argument('--quality-n', type=int, default=32)
    p.add_argument('--out', default=None, help='output prefix')
    return p.parse_args(argv)


def _sync(device):
    if torch.device(device).type == 'cuda':
        torch.cuda.synchronize()


def load_models(args):
    """``(JointDDPM, info, diffusers UNet2DModel with the same weights)``."""
    from diffusers import UNet2DModel
    from mmengine.config import Config

    import satsynth_mmseg  # noqa: F401
    from mmseg.registry import MODELS
    from satsynth_mmseg.generation import load_generator
    if args.checkpoint:
        model, info = load_generator(args.config, args.checkpoint, device=args.device)
    else:
        model = MODELS.build(Config.fromfile(args.config).model).to(args.device).eval()
        info = dict(sha256=None, weights='random init')
    unet_cfg = {k: v for k, v in model.denoiser.config.items() if not k.startswith('_')}
    unet_cfg['sample_size'] = args.size
    unet = UNet2DModel(**unet_cfg).to(args.device).eval()
    unet.load_state_dict(model.denoiser.state_dict())
    return model, info, unet


def time_setting(model, unet, name, steps, args, warm_up):
    """Median pairs/s of ``JointDDPM.sample`` and of diffusers' ``DDPMPipeline`` for one
    sampler setting, runs alternating."""
    from diffusers import DDPMPipeline

    from satsynth_mmseg.diffusion import build_sampler
    device, bsz, size = args.device, args.batch_size, (args.size, args.size)

    def ours():
        gens = [torch.Generator().manual_seed(i) for i in range(bsz)]
        out = model.sample(bsz, num_steps=steps, sampler=name, generator=gens, size=size)
        _sync(device)
        return out

    def theirs():
        sched, _ = build_sampler(name, model.noise_scheduler, steps)
        pipe = DDPMPipeline(unet=unet, scheduler=sched)
        pipe.set_progress_bar_config(disable=True)
        gens = [torch.Generator().manual_seed(i) for i in range(bsz)]
        with torch.no_grad():
            out = pipe(
                batch_size=bsz, generator=gens, num_inference_steps=steps, output_type='np').images
        _sync(device)
        return out

    times = {'ours': [], 'diffusers': []}
    if warm_up:  # one untimed call each (allocator, kernel caches)
        ours()
        theirs()
    for r in range(args.repeats):
        for variant in (('ours', 'diffusers') if r % 2 == 0 else ('diffusers', 'ours')):
            fn = ours if variant == 'ours' else theirs
            t0 = time.perf_counter()
            fn()
            times[variant].append(time.perf_counter() - t0)
    row = dict(
        sampler=name,
        steps=steps,
        batch_size=bsz,
        size=args.size,
        ours_pairs_per_s=bsz / statistics.median(times['ours']),
        diffusers_pairs_per_s=bsz / statistics.median(times['diffusers']),
        times=times)
    row['ratio'] = row['ours_pairs_per_s'] / row['diffusers_pairs_per_s']
    print(
        f'{name:>13s}-{steps:<5d} ours {row["ours_pairs_per_s"]:7.3f} pairs/s  '
        f'diffusers {row["diffusers_pairs_per_s"]:7.3f} pairs/s  ratio '
        f'{row["ratio"]:.3f}',
        flush=True)
    return row


def measure_agreement(model, seg, name, steps, args):
    """A real-data segmentor on generated images vs the generated masks (invalid codes
    ignored): pixel accuracy and mIoU as fractions, with mmseg's intersect_and_union."""
    from mmseg.apis import inference_model
    from satsynth_mmseg.evaluation import IoUAccumulator
    k, bsz = model.num_classes, args.batch_size
    acc = IoUAccumulator(k, ignore_index=model.invalid_index)
    invalid = pixels = 0
    for start in range(0, args.quality_n, bsz):
        n = min(bsz, args.quality_n - start)
        gens = [torch.Generator().manual_seed(10_000 + start + i) for i in range(n)]
        out = model.sample(n, num_steps=steps, sampler=name, generator=gens)
        imgs = out['images'].cpu().numpy()
        labels = out['labels'].cpu().numpy()
        invalid += int((labels >= k).sum())
        pixels += labels.size
        bgr = [np.ascontiguousarray(im[::-1].transpose(1, 2, 0)) for im in imgs]
        for p, lab in zip(inference_model(seg, bgr), labels):
            acc.update(p.pred_sem_seg.data[0].cpu(), torch.from_numpy(lab))
    scores = acc.result()
    q = dict(
        sampler=name,
        steps=steps,
        n=args.quality_n,
        size=list(model.sample_size),
        invalid_code_share=invalid / pixels,
        pixel_accuracy=scores.aAcc / 100,
        miou=scores.mIoU / 100)
    print(
        f'{name:>13s}-{steps:<5d} agreement: pixel acc {q["pixel_accuracy"]:.3f}  '
        f'mIoU {q["miou"]:.3f}  invalid codes {100 * q["invalid_code_share"]:.2f} %',
        flush=True)
    return q


def write_report(prefix, report):
    """``<prefix>.json`` and the markdown tables ``<prefix>.md`` (atomically)."""
    from satsynth_mmseg.utils import atomic_write_json, atomic_write_text
    results, quality = report['speed'], report['quality']
    os.makedirs(osp.dirname(prefix), exist_ok=True)
    atomic_write_json(prefix + '.json', report)
    md = [
        '| sampler | steps | ours (pairs/s) | diffusers loop (pairs/s) | ratio |',
        '|---|---|---|---|---|'
    ]
    md += [
        f'| {r["sampler"]} | {r["steps"]} | {r["ours_pairs_per_s"]:.3f} | '
        f'{r["diffusers_pairs_per_s"]:.3f} | {r["ratio"]:.3f} |' for r in results
    ]
    if quality:
        md += [
            '', '| sampler | steps | pixel accuracy | mIoU | invalid codes |',
            '|---|---|---|---|---|'
        ]
        md += [
            f'| {q["sampler"]} | {q["steps"]} | {q["pixel_accuracy"]:.3f} | '
            f'{q["miou"]:.3f} | {100 * q["invalid_code_share"]:.2f} % |' for q in quality
        ]
    atomic_write_text(prefix + '.md', '\n'.join(md) + '\n')
    print('\n'.join(md))
    print(f'written to {prefix}.json and {prefix}.md')


def main(argv=None):
    args = parse_args(argv)
    model, info, unet = load_models(args)
    if args.bf16 or args.channels_last or args.compile:
        model.enable_fast_sampling(
            dtype=torch.bfloat16 if args.bf16 else None,
            channels_last=args.channels_last,
            compile_mode=args.compile)
    settings = [(s.split(':')[0], int(s.split(':')[1])) for s in args.settings]
    results = [
        time_setting(model, unet, name, steps, args, warm_up=i == 0)
        for i, (name, steps) in enumerate(settings)
    ]
    quality = []
    if args.segmentor_config and args.segmentor_checkpoint:
        from mmseg.apis import init_model
        seg = init_model(args.segmentor_config, args.segmentor_checkpoint, device=args.device)
        quality = [measure_agreement(model, seg, name, steps, args) for name, steps in settings]
    report = dict(
        benchmark='sampling throughput (JointDDPM.sample vs diffusers DDPMPipeline) '
        'and mask/image agreement',
        config=osp.relpath(args.config, REPO),
        checkpoint_sha256=info['sha256'],
        weights=info['weights'],
        device=args.device,
        torch=torch.__version__,
        threads=torch.get_num_threads(),
        cpu=platform.processor() or platform.machine(),
        gpu=torch.cuda.get_device_name() if args.device.startswith('cuda') else None,
        bf16=args.bf16,
        channels_last=args.channels_last,
        compile=args.compile,
        # the GPU issue asks 1.3x the diffusers loop there; on CPU parity
        target_ratio=1.3 if args.device.startswith('cuda') else 1.0,
        speed=results,
        quality=quality)
    write_report(
        args.out
        or osp.join(REPO, 'benchmarks', 'results', f'sampling_{torch.device(args.device).type}'),
        report)


if __name__ == '__main__':
    main()
