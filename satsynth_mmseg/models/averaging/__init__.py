from .warmup_ema import WarmupExponentialMovingAverage

__all__ = ['WarmupExponentialMovingAverage']
