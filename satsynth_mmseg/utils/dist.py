"""Process groups for the tools that shard work over ``torchrun`` processes."""
from __future__ import annotations
import os

import torch
import torch.distributed as dist


def init_distributed(launcher):
    """(rank, world_size, device) for this process."""
    if launcher == 'none':
        return 0, 1, None
    local_rank = int(os.environ.get('LOCAL_RANK', 0))
    if torch.cuda.is_available():
        torch.cuda.set_device(local_rank)
        dist.init_process_group(backend='nccl')
        device = f'cuda:{local_rank}'
    else:
        dist.init_process_group(backend='gloo')
        device = 'cpu'
    return dist.get_rank(), dist.get_world_size(), device


def barrier(world_size):
    if world_size > 1:
        dist.barrier()
