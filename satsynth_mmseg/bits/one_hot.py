"""One-hot label maps: the condition of the mask-to-image generators."""
from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor


def labels_to_one_hot(labels: Tensor, num_classes: int) -> Tensor:
    """Label map (N, H, W) -> one-hot float (N, K, H, W).

    Values >= K (ignore, invalid codes) get all zeros: "no label" there, the same input the
    classifier-free (unconditional) branch sees everywhere.
    """
    labels = labels.long()
    valid = labels < num_classes
    onehot = F.one_hot(labels.clamp(0, num_classes - 1), num_classes)
    return (onehot * valid[..., None]).permute(0, 3, 1, 2).float()
