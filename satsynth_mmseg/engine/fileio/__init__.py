from .atomic_backend import ATOMIC_BACKEND, AtomicLocalBackend, use_atomic_checkpoints

__all__ = ['ATOMIC_BACKEND', 'AtomicLocalBackend', 'use_atomic_checkpoints']
