"""The declared contract of every generator of image–mask pairs.

Tools, hooks and experiments ask a generator what it is (:class:`BaseGenerator`'s class
attributes, or :meth:`BaseGenerator.capabilities`) instead of probing it with ``hasattr``:

* ``conditioning``: what :meth:`~BaseGenerator.sample_from` needs, one of
  :data:`CONDITIONINGS`: ``'none'`` (unconditional: :meth:`~BaseGenerator.sample` draws
  pairs from noise), ``'label_map'`` (renders images for given label maps) or
  ``'low_res_pair'`` (enlarges given low-resolution pairs);
* ``has_sampler``: it samples through a diffusion sampler (``sampler`` / ``steps`` apply);
* ``supports_guidance``: it has a classifier-free guidance scale ``guidance_scale``;
* ``learns_from_unlabelled``: its training batches may hold images without masks (an
  unlabelled pool, :class:`~satsynth_mmseg.datasets.LabelledUnlabelledDataset`); the others
  refuse such a batch with an error naming the image;
* ``num_classes``, ``image_channels``, ``ignore_index``, ``sample_size``: its data.

A new generator family subclasses :class:`BaseGenerator` (or
:class:`~satsynth_mmseg.models.generators.DiffusionGenerator` for a diffusion model), sets
those attributes, implements ``loss`` / ``predict`` and ``sample`` or ``sample_from``, and is
registered in ``MODELS``; ``docs/en/advanced_guides/add_generator.md`` lists the files.
"""
from __future__ import annotations
import copy
import dataclasses
from typing import ClassVar, Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmengine.logging import MessageHub
from mmengine.model import BaseModel
from mmengine.structures import PixelData
from torch import Tensor

from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from ...bits import bits_to_labels, valid_pixel_mask
from ...utils.errors import ConfigError
from .outputs import GeneratedPairs, PairCondition


class NonFiniteLossError(FloatingPointError):
    """Raised before the optimizer step when the loss is NaN or infinite."""


#: the values of :attr:`BaseGenerator.conditioning`
CONDITIONINGS = ('none', 'label_map', 'low_res_pair')


@dataclasses.dataclass(frozen=True)
class GeneratorCapabilities:
    """What a generator declares about itself (see the module docstring)."""
    type: str
    conditioning: str
    has_sampler: bool
    supports_guidance: bool
    learns_from_unlabelled: bool
    num_classes: int
    image_channels: int
    sample_size: Tuple[int, int]


def check_size_fits(size: Sequence[int], multiple: int, what: str) -> None:
    """Raise a ``ConfigError`` that states the network's size rule and the nearest valid
    sizes when an (H, W) is not a multiple of ``multiple``."""
    bad = [v for v in size if v % multiple]
    if not bad:
        return
    near = sorted({max(multiple, v // multiple * multiple)
                   for v in bad}
                  | {-(-v // multiple) * multiple
                     for v in bad})
    raise ConfigError(
        f'{what} {tuple(size)} does not fit the U-Net: with its resolution levels H and W must '
        f'be multiples of {multiple} (2 ** (down blocks - 1)); nearest valid: '
        f'{" or ".join(map(str, near))}. Note that RandomCrop returns the whole image when '
        'crop_size is larger than the image, so crops must not exceed the image size either')


def default_invalid_index(num_classes: int, ignore_index: Optional[int]) -> int:
    """Label given to decoded codes >= K: the ignore index; without one, 255 (K <= 255).

    With K = 256 every 8-bit code is a class, so no code is invalid and the value returned
    (256) never occurs; the masks of such a model have no ignore value at all.
    """
    if ignore_index is not None:
        return ignore_index
    return 255 if num_classes <= 255 else num_classes


def fill_or_check(cfg: dict, key: str, value, owner: str) -> None:
    """Set ``cfg[key] = value`` unless the config already says something else (then raise)."""
    if key in cfg and cfg[key] is not None and cfg[key] != value:
        raise ConfigError(f'{owner}.{key}={cfg[key]!r} disagrees with the generator, which '
                          f'needs {value!r}; leave it out of the config to have it filled in')
    cfg[key] = value


def build_joint_preprocessor(cfg: Optional[dict], num_classes: int, image_channels: int,
                             ignore_index: Optional[int]):
    """The generator's :class:`JointDataPreprocessor` with the data fields filled in (or
    checked), built from mmseg's registry here, so no default scope needs to be set."""
    preproc = copy.deepcopy(dict(cfg or dict(type='JointDataPreprocessor')))
    for key, value in (('num_classes', num_classes), ('image_channels', image_channels),
                       ('ignore_index', ignore_index)):
        fill_or_check(preproc, key, value, 'data_preprocessor')
    return MODELS.build(preproc)


class BaseGenerator(BaseModel):
    """Base of the plugin's generators: the data they make and what they can do.

    Args:
        num_classes: K, classes of the label maps (2..256).
        image_channels: C, image bands (3 RGB, 1 SAR, N multispectral).
        ignore_index: "no label" value of the masks (>= K), or None.
        sample_size: (H, W) or int, the size generated by default.
        data_preprocessor: config of :class:`JointDataPreprocessor`; ``num_classes``,
            ``image_channels`` and ``ignore_index`` are filled in.
        init_cfg: mmengine init config.
    """
    #: what ``sample_from`` needs (one of :data:`CONDITIONINGS`)
    conditioning: ClassVar[str] = 'none'
    #: it samples through a diffusion sampler (``sampler`` / ``steps`` apply)
    has_sampler: ClassVar[bool] = True
    #: it has a classifier-free guidance scale (``guidance_scale``)
    supports_guidance: ClassVar[bool] = False
    #: how it learns from images without masks, or None when it cannot (see
    #: :meth:`labelled_samples`); a subclass may make it depend on its configuration
    unlabelled_use: ClassVar[Optional[str]] = None

    def __init__(self,
                 num_classes: int,
                 image_channels: int = 3,
                 ignore_index: Optional[int] = 255,
                 sample_size: Union[int, Sequence[int]] = 64,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(
            data_preprocessor=build_joint_preprocessor(data_preprocessor, num_classes,
                                                       image_channels, ignore_index),
            init_cfg=init_cfg)
        if self.conditioning not in CONDITIONINGS:
            raise TypeError(f'{type(self).__name__}.conditioning={self.conditioning!r} is not '
                            f'one of {CONDITIONINGS}')
        self.num_classes = num_classes
        self.image_channels = image_channels
        self.ignore_index = ignore_index
        self.sample_size = ((sample_size,
                             sample_size) if isinstance(sample_size, int) else tuple(sample_size))

    @property
    def mask_conditioned(self) -> bool:
        """Renders images for given label maps (``conditioning == 'label_map'``)."""
        return self.conditioning == 'label_map'

    def capabilities(self) -> GeneratorCapabilities:
        return GeneratorCapabilities(
            type=type(self).__name__,
            conditioning=self.conditioning,
            has_sampler=self.has_sampler,
            supports_guidance=self.supports_guidance,
            learns_from_unlabelled=self.learns_from_unlabelled,
            num_classes=self.num_classes,
            image_channels=self.image_channels,
            sample_size=tuple(self.sample_size))

    @property
    def learns_from_unlabelled(self) -> bool:
        """Its training batches may hold images without masks (:attr:`unlabelled_use`)."""
        return self.unlabelled_use is not None

    def labelled_samples(self, inputs: Tensor, data_samples=None) -> Tensor:
        """Which samples of a training batch carry a mask: bool (N,).

        A sample is unlabelled when its ``SegDataSample`` has no ``gt_sem_seg`` (an image of
        an unlabelled pool; the data preprocessor gives it all-zero bits). A generator that
        cannot learn from such images raises a ``ConfigError`` naming the first one.
        """
        n = inputs.shape[0]
        if data_samples is None:
            return torch.ones(n, dtype=torch.bool, device=inputs.device)
        labelled = torch.tensor(['gt_sem_seg' in s for s in data_samples],
                                dtype=torch.bool,
                                device=inputs.device)
        if not self.learns_from_unlabelled and not bool(labelled.all()):
            first = data_samples[int((~labelled).nonzero()[0])]
            raise ConfigError(
                f'{type(self).__name__} cannot learn from images without masks, but the '
                f'training batch holds one ({first.metainfo.get("img_path", "?")}): '
                f'{self.unlabelled_refusal()}. If the image should have a mask, put '
                'LoadAnnotations in its pipeline')
        return labelled

    def unlabelled_refusal(self) -> str:
        """Why this generator cannot use an unlabelled pool (for the error message)."""
        return ('it learns the image from its mask (or the pair jointly), so an image '
                'without a mask carries nothing it can learn; train it on labelled pairs '
                'only (remove the unlabelled dataset)')

    @property
    def invalid_index(self) -> int:
        """Label of decoded codes >= K (see :func:`default_invalid_index`)."""
        return default_invalid_index(self.num_classes, self.ignore_index)

    def labels_of(self, joint: Tensor) -> Tensor:
        """Labels (N, H, W) of an *encoded* joint tensor (real data): the class of each
        pixel's bits; the ignore index where every bit is 0."""
        bits = joint[:, self.image_channels:]
        labels = bits_to_labels(bits, self.num_classes, invalid_index=self.invalid_index)
        ignore = self.ignore_index if self.ignore_index is not None else 255
        return labels.masked_fill(~valid_pixel_mask(bits)[:, 0], ignore)

    def check_size(self, size: Sequence[int], what: str = 'size') -> None:
        """Raise a clear error when the network cannot take (H, W) = ``size``."""

    @staticmethod
    def _check_finite(losses: Dict[str, Tensor]) -> None:
        """Stop on a NaN/inf loss *before* backward and the optimizer step.

        Raising here (not in ``train_step``) also covers mmengine's DDP wrapper, which calls
        ``_run_forward`` itself; the checkpoints already written stay good.
        """
        if all(bool(torch.isfinite(v)) for v in losses.values()):
            return
        it = MessageHub.get_current_instance().get_info('iter')
        terms = {k: float(v.detach()) for k, v in losses.items()}
        raise NonFiniteLossError(
            f'non-finite loss at iteration {"?" if it is None else it + 1}: {terms}. Training '
            'stopped before the optimizer step; the last saved checkpoint is intact. Lower the '
            'learning rate or check the data.')

    @staticmethod
    def pack_samples(out: GeneratedPairs, data_samples, n: int) -> List[SegDataSample]:
        """Generated pairs as ``SegDataSample``: ``pred_sem_seg`` and a ``gen_img`` field."""
        results = []
        for i in range(n):
            sample = SegDataSample() if data_samples is None else data_samples[i]
            sample.pred_sem_seg = PixelData(data=out['labels'][i:i + 1])
            sample.set_field(out['images'][i], 'gen_img', field_type='metainfo')
            results.append(sample)
        return results

    def sample(self, num_samples: int, *args, **kwargs) -> GeneratedPairs:
        """Draw ``num_samples`` pairs from noise: only unconditional generators can."""
        raise ConfigError(self._needs())

    def sample_from(self, condition: PairCondition, **kwargs) -> GeneratedPairs:
        """Pairs for ``condition``: only conditional generators can."""
        raise ConfigError(self._needs())

    def _needs(self) -> str:
        name = type(self).__name__
        if self.conditioning == 'none':
            return f'{name} is unconditional: call sample(num_samples)'
        if self.conditioning == 'label_map':
            return (f'{name} renders images for given label maps: call sample_from('
                    'PairCondition(labels=...)), or run tools/generate.py with --masks-from '
                    'REAL_CONFIG (real masks) or --mask-generator CONFIG CHECKPOINT (a joint '
                    'generator\'s masks)')
        return (f'{name} enlarges given low-resolution pairs: call sample_from(PairCondition('
                'images=..., labels=...)), or run tools/generate.py with a joint generator and '
                f'--sr-config/--sr-checkpoint naming this {name}')
