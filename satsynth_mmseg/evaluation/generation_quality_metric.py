"""Generation quality as an mmengine metric, for a generator's validation loop."""
from __future__ import annotations
import dataclasses
from typing import Dict, Optional, Sequence

import torch
from mmengine.evaluator import BaseMetric

from mmseg.registry import METRICS
from .feature_extractors import SegmentorFeatures, build_inception
from .generation_metrics import feature_distances, mask_statistics


@METRICS.register_module()
class GenerationQualityMetric(BaseMetric):
    """Fréchet distance, KID, k-NN precision/recall and mask–image agreement of a generator,
    every time the runner validates.

    The validation set is real data at the generator's size (crops of the training set);
    the generator's ``predict`` makes one pair per real sample, so the two feature sets have
    the same size. Logged like any mmseg metric as ``generation/seg_fd``, ...; keep the best
    checkpoint with ``default_hooks.checkpoint.save_best='generation/seg_fd', rule='less'``.
    The numbers over iterations are in ``vis_data/scalars.json`` (and TensorBoard / W&B when
    configured).

    Args:
        segmentor_config, segmentor_checkpoint: an mmseg segmentor trained on the real data,
            whose pooled backbone features are the feature space and whose predictions on the
            generated images give the mask–image agreement.
        inception_weights: optional local TorchScript InceptionV3 for the standard FID.
        k: neighbours of the precision/recall balls.
        model_bgr_to_rgb: the generator's images are RGB while the pipeline's are BGR (8-bit
            3-band data loaded by mmcv): flip them back before the segmentor sees them.
        device: where the segmentor runs.
        prefix: metric name prefix.
    """
    default_prefix = 'generation'

    def __init__(self,
                 segmentor_config: str,
                 segmentor_checkpoint: str,
                 inception_weights: Optional[str] = None,
                 k: int = 3,
                 model_bgr_to_rgb: bool = True,
                 device: str = 'cpu',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.segmentor_config, self.segmentor_checkpoint = segmentor_config, segmentor_checkpoint
        self.inception_weights, self.k = inception_weights, k
        self.model_bgr_to_rgb, self.device = model_bgr_to_rgb, device
        self._seg = self._inception = None

    def _extractors(self):
        if self._seg is None:
            self._seg = SegmentorFeatures.from_config(self.segmentor_config,
                                                      self.segmentor_checkpoint, self.device)
            self._inception = build_inception(self.inception_weights, self.device)
        return self._seg, self._inception

    def process(self, data_batch: dict, data_samples: Sequence) -> None:
        seg, inception = self._extractors()
        real = torch.stack(list(data_batch['inputs'])).cpu()
        fake = torch.stack([torch.as_tensor(s['gen_img']) for s in data_samples]).cpu()
        if self.model_bgr_to_rgb and fake.shape[1] == 3 and fake.dtype == torch.uint8:
            fake = fake.flip(1)
        labels = torch.stack([s['pred_sem_seg']['data'][0] for s in data_samples]).cpu()
        real_labels = torch.stack([s.gt_sem_seg.data[0]
                                   for s in data_batch['data_samples']]).cpu().long()
        real_f, _ = seg(real)
        fake_f, pred = seg(fake)
        result = dict(real=real_f, fake=fake_f, pred=pred, labels=labels, real_labels=real_labels)
        if inception is not None:
            result.update(real_inc=inception(real), fake_inc=inception(fake))
        self.results.append(result)

    def compute_metrics(self, results: list) -> Dict[str, float]:
        cat = {k: torch.cat([r[k] for r in results]) for k in results[0]}
        num_classes = len(self.dataset_meta['classes'])
        real_lab = cat['real_labels'].flatten()
        counts = torch.bincount(real_lab[real_lab < num_classes], minlength=num_classes).double()
        share = (counts / counts.sum().clamp_min(1)).tolist()
        metrics = {
            f'seg_{k}': v
            for k, v in dataclasses.asdict(feature_distances(cat['real'], cat['fake'],
                                                             k=self.k)).items()
        }
        if 'real_inc' in cat:
            metrics.update({
                f'inception_{k}': v
                for k, v in dataclasses.asdict(
                    feature_distances(cat['real_inc'], cat['fake_inc'], k=self.k)).items()
            })
        masks = mask_statistics(cat['labels'], num_classes, cat['pred'], share)
        metrics.update(
            agreement_miou=masks.agreement_miou,
            agreement_acc=masks.agreement_acc,
            class_share_js=masks.class_share_js,
            distinct_classes=masks.distinct_classes,
            invalid_rate=masks.invalid_rate)
        return {k: float(v) for k, v in metrics.items()}
