"""Load a trained generator from a config and an mmengine checkpoint, checking they agree."""
from __future__ import annotations
import hashlib
import logging
import os.path as osp
from typing import Optional, Tuple

import torch
from mmengine.logging import print_log
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import find_latest_checkpoint

from mmseg.models.segmentors import BaseSegmentor
from mmseg.registry import DATASETS, MODELS
from ..models.generators.base_generator import BaseGenerator
from ..utils.checkpoint_io import checkpoint_model_config, load_verified_checkpoint
from ..utils.errors import ConfigError, UnknownNameError
from ..utils.tool_config import read_config

#: ``meta`` key of a model-zoo release: which weights its ``state_dict`` holds
EXPORTED_KEY = 'exported_weights'


def file_sha256(path: str, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file (streamed)."""
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(chunk), b''):
            h.update(block)
    return h.hexdigest()


def select_weights(checkpoint: dict, ema: bool = True) -> Tuple[dict, str]:
    """Pick the weights to generate with.

    mmengine's ``EMAHook`` saves the *EMA* weights in ``state_dict`` and the raw training
    weights in ``ema_state_dict`` (prefixed ``module.``, plus a ``steps`` counter). Without an
    EMAHook, ``state_dict`` holds the raw weights and there are no EMA ones.

    A model-zoo release (:func:`~satsynth_mmseg.generation.model_zoo.export_generator`)
    holds one set in ``state_dict`` and names it in ``meta['exported_weights']``.

    Returns:
        ``(state_dict, which)`` with ``which`` in {'ema', 'raw'}.
    """
    state = checkpoint.get('state_dict', checkpoint)
    meta = checkpoint.get('meta') or {}
    exported = meta.get(EXPORTED_KEY) if isinstance(meta, dict) else None
    if exported:  # a model-zoo release: one set of weights, named in its meta
        if not ema and exported == 'ema':
            raise ConfigError('this release checkpoint holds only the EMA weights (model zoo); '
                              'generate without --no-ema, or use the training checkpoint')
        return state, exported
    has_ema = 'ema_state_dict' in checkpoint
    if ema:
        if not has_ema:
            print_log(
                'the checkpoint has no EMA weights (no EMAHook during training); '
                'generating with the raw weights',
                logger='current',
                level=logging.WARNING)
            return state, 'raw'
        return state, 'ema'
    if not has_ema:
        return state, 'raw'
    raw = {
        k[len('module.'):]: v
        for k, v in checkpoint['ema_state_dict'].items() if k.startswith('module.')
    }
    return raw, 'raw'


def check_checkpoint_matches(model, state: dict, dataset_meta: Optional[dict],
                             checkpoint_path: str) -> None:
    """Raise a clear ``ValueError`` when the checkpoint was made for another model.

    Checks the number of classes recorded with the checkpoint (``meta.dataset_meta``) and the
    shape of every weight, which catches other channel counts (image bands, analog bits).
    """
    if dataset_meta and dataset_meta.get('classes') is not None:
        k = len(dataset_meta['classes'])
        if k != model.num_classes:
            raise ConfigError(
                f'{checkpoint_path} was trained on {k} classes {tuple(dataset_meta["classes"])}'
                f' but the config builds a generator for num_classes={model.num_classes}')
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    wrong = [
        f'{k}: checkpoint {tuple(state[k].shape)} vs config {tuple(own[k].shape)}' for k in own
        if k in state and tuple(state[k].shape) != tuple(own[k].shape)
    ]
    if wrong or missing:
        ch = ''
        w = state.get('denoiser.conv_in.weight')
        if w is not None:
            ch = (f' (the checkpoint denoises {w.shape[1]} channels, the config '
                  f'{model.data_preprocessor.joint_channels} = {model.image_channels} image + '
                  f'{model.num_bits} bit channels)')
        raise ConfigError(f'{checkpoint_path} does not fit the config{ch}: ' +
                          '; '.join(wrong[:5] + [f'missing {m}' for m in missing[:5]]))


#: settings that change what a network's output means without changing any weight's shape:
#: a config that disagrees with its checkpoint here would load and sample garbage
OUTPUT_SETTINGS = (('noise_scheduler', 'prediction_type'), ('residual', ))


def _setting(model: dict, path) -> object:
    value = model
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def check_model_type(cfg_model: dict, meta: dict, checkpoint_path: str) -> None:
    """Refuse a checkpoint trained as another kind of generator (e.g. a ``JointDDPM``
    checkpoint given with a ``MaskToImageDDPM`` config), naming both."""
    trained_cfg = checkpoint_model_config(meta) or {}
    trained = trained_cfg.get('type') if isinstance(trained_cfg.get('type'), str) else None
    wanted = cfg_model.get('type') if isinstance(cfg_model, dict) else None
    if trained is None or not isinstance(wanted, str):
        return
    short = lambda name: name.split('.')[-1].split(':')[-1]  # noqa: E731
    if short(trained) != short(wanted):
        raise ConfigError(f'{checkpoint_path} is a {short(trained)} checkpoint but the config '
                          f'builds a {short(wanted)}: give the config it was trained with')
    for path in OUTPUT_SETTINGS:
        a, b = _setting(trained_cfg, path), _setting(cfg_model, path)
        if a is not None and b is not None and a != b:
            name = 'model.' + '.'.join(path)
            raise ConfigError(f'{checkpoint_path} was trained with {name}={a!r} but the config '
                              f'says {b!r}: the network\'s output would be misread; give the '
                              'config it was trained with')


def _registered_class(model_cfg):
    """``(type name, class)`` of a config's ``model`` from mmseg's registry (class None when
    not registered)."""
    name = model_cfg.get('type') if isinstance(model_cfg, dict) else None
    return name, MODELS.get(name) if isinstance(name, str) else name


def generator_class(model_cfg, config_name: str) -> type:
    """The registered class a config's ``model`` builds, refused in one line naming the
    config unless it is one of the plugin's generators (:class:`BaseGenerator`)."""
    name, cls = _registered_class(model_cfg)
    if cls is None:
        raise UnknownNameError(f'{config_name}: model type {name!r} is not registered')
    if not (isinstance(cls, type) and issubclass(cls, BaseGenerator)):
        what = 'a segmentor' if isinstance(cls, type) and issubclass(
            cls, BaseSegmentor) else 'another kind of model'
        raise ConfigError(f'{config_name} builds a {getattr(cls, "__name__", cls)} ({what}), '
                          'not a generator of image-mask pairs (e.g. JointDDPM, '
                          'MaskToImageDDPM): give a generator config')
    return cls


def load_generator(config,
                   checkpoint_path: str,
                   ema: bool = True,
                   device: str = 'cpu') -> Tuple[torch.nn.Module, dict]:
    """Build the generator of ``config`` and load ``checkpoint_path`` into it.

    Args:
        config: path or :class:`Config` with a ``model`` (e.g. ``JointDDPM``).
        checkpoint_path: an mmengine checkpoint written during training.
        ema: use the EMA weights when the checkpoint has them.
        device: where to put the model.

    Returns:
        ``(model, info)``: the model in eval mode and
        ``dict(sha256, weights='ema'|'raw', dataset_meta, iter)``.
    """
    cfg = read_config(config, 'generator config') if isinstance(config, str) else config
    generator_class(cfg.model, config if isinstance(config, str) else
                    (cfg.filename or 'the config'))
    model = MODELS.build(cfg.model)
    ckpt = load_verified_checkpoint(checkpoint_path)  # one-line CheckpointError when unusable
    meta = ckpt.get('meta', {}) or {}
    check_model_type(cfg.model, meta, checkpoint_path)
    state, which = select_weights(ckpt, ema)
    check_checkpoint_matches(model, state, meta.get('dataset_meta'), checkpoint_path)
    model.load_state_dict(state, strict=True)
    model.to(device).eval()
    info = dict(
        sha256=file_sha256(checkpoint_path),
        weights=which,
        dataset_meta=meta.get('dataset_meta'),
        iter=meta.get('iter'))
    return model, info


def check_cascade(generator, super_res, sr_checkpoint_path: str = 'the SR checkpoint') -> None:
    """Raise a clear ``ValueError`` unless ``super_res`` can upsample ``generator``'s pairs:
    a ``JointSuperRes`` with the same classes, image bands and analog bits, trained for the
    generator's sample size as its low resolution."""
    if getattr(super_res, 'conditioning', None) != 'low_res_pair':
        raise ConfigError(f'{sr_checkpoint_path}: the SR config builds a '
                          f'{type(super_res).__name__}, not a super-resolution model '
                          '(e.g. JointSuperRes)')
    for key in ('num_classes', 'image_channels', 'num_bits'):
        a, b = getattr(generator, key), getattr(super_res, key)
        if a != b:
            raise ConfigError(f'{sr_checkpoint_path} does not fit the generator: {key} is {b} '
                              f'for the super-resolution model but {a} for the generator')
    if tuple(super_res.low_res_size) != tuple(generator.sample_size):
        raise ConfigError(f'{sr_checkpoint_path} upsamples {super_res.low_res_size[0]}x'
                          f'{super_res.low_res_size[1]} pairs but the generator makes '
                          f'{generator.sample_size[0]}x{generator.sample_size[1]} ones')


def checkpoint_to_load(cfg):
    """The file the Runner will load (``--resume``: ``load_from`` or the work dir's latest;
    else ``load_from``), or None."""
    if cfg.get('resume') and not cfg.get('load_from'):
        return find_latest_checkpoint(cfg.work_dir) if osp.isdir(cfg.work_dir) else None
    return cfg.get('load_from')


def check_generator_fits(cfg, ckpt: dict, path: str) -> None:
    """Fine-tuning a generator (``load_from``) keeps the checkpoint's classes and bands:
    refuse, in one line, a config for other classes (count or names) or other channels,
    which mmengine would otherwise load partly with a warning."""
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model = MODELS.build(cfg.model)
    meta = (ckpt.get('meta') or {}).get('dataset_meta') or {}
    hint = ('Fine-tuning keeps the classes and bands of the checkpoint (the analog-bit and '
            'image channels are part of the network); for other classes train from scratch.')
    try:
        check_checkpoint_matches(model, ckpt.get('state_dict', ckpt), meta, path)
    except ConfigError as e:
        raise ConfigError(f'{e}. {hint}') from e
    ds = cfg.get('train_dataloader', {}).get('dataset', {})
    names = (ds.get('metainfo') or {}).get('classes')
    if names is None and ds.get('type') in DATASETS:
        names = getattr(DATASETS.get(ds['type']), 'METAINFO', {}).get('classes')
    old = meta.get('classes')
    if names is not None and old is not None and list(names) != list(old):
        raise ConfigError(f'{path} was trained on the classes {tuple(old)}, the config\'s '
                          f'dataset has {tuple(names)}. {hint}')


def is_generator_config(cfg) -> bool:
    """Whether the config's model is one of the plugin's generators (their checkpoints fix
    the classes and bands), asked of the registered class."""
    cls = _registered_class(cfg.model)[1]
    return isinstance(cls, type) and issubclass(cls, BaseGenerator)


def check_checkpoint_file(cfg) -> None:
    """Refuse an unusable checkpoint with one line naming it, before the Runner starts
    (an empty file, random bytes, a corrupted tensor, non-finite weights; for a generator's
    ``load_from``, a config for other classes or bands)."""
    path = checkpoint_to_load(cfg)
    if path and osp.isfile(path):
        ckpt = load_verified_checkpoint(path)  # CheckpointError: one line naming it
        if cfg.get('load_from') and not cfg.get('resume') and is_generator_config(cfg):
            check_generator_fits(cfg, ckpt, path)
