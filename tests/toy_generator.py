"""A generator family that lives only in the tests: registered here, and nowhere else in the
package is it named. ``tests/test_generator_contract.py`` runs it through every tool."""
from typing import List, Optional

import torch
from torch import Tensor

from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from satsynth_mmseg.models import BaseGenerator, GeneratedPairs


@MODELS.register_module()
class ToyPairGenerator(BaseGenerator):
    """Unconditional, no sampler: a random block layout per sample, each class painted in a
    learned colour (K, C) plus noise. ``loss`` fits the colours to the real pixels."""
    conditioning = 'none'
    has_sampler = False

    def __init__(self, num_classes: int, **kwargs):
        super().__init__(num_classes, **kwargs)
        self.colours = torch.nn.Parameter(torch.zeros(num_classes, self.image_channels))

    def forward(self, inputs: Tensor, data_samples=None, mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        return self.colours

    def loss(self, inputs: Tensor) -> dict:
        labels = self.labels_of(inputs)
        valid = labels < self.num_classes
        pixels = inputs[:, :self.image_channels].permute(0, 2, 3, 1)[valid]
        painted = self.colours[labels[valid]]
        return dict(loss_image=(pixels - painted).pow(2).mean())

    @torch.no_grad()
    def sample(self,
               num_samples: int,
               num_steps=None,
               generator=None,
               sampler=None,
               size=None,
               **kwargs) -> GeneratedPairs:
        h, w = size or self.sample_size
        gens = generator if isinstance(generator, list) else [generator] * num_samples
        labels, images = [], []
        for g in gens:
            blocks = torch.randint(0, self.num_classes, (1, 1, h // 4, w // 4), generator=g)
            lab = torch.nn.functional.interpolate(blocks.float(), size=(h, w)).long()[0, 0]
            noise = 0.1 * torch.randn(h, w, self.image_channels, generator=g)
            img = (self.colours.detach().cpu()[lab] + noise).clamp(-1, 1)
            labels.append(lab)
            images.append(((img + 1) * 127.5).round().to(torch.uint8).permute(2, 0, 1))
        return GeneratedPairs(
            images=torch.stack(images), labels=torch.stack(labels), invalid_pixels=0)

    def predict(self, inputs: Tensor, data_samples=None) -> List[SegDataSample]:
        out = self.sample(inputs.shape[0], size=tuple(inputs.shape[-2:]))
        return self.pack_samples(out, data_samples, inputs.shape[0])

    def check_size(self, size, what: str = 'size') -> Optional[None]:
        if any(v % 4 for v in size):
            raise ValueError(f'{what} {tuple(size)}: multiples of 4 only')
