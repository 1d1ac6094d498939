from .pair_grid import colorize_labels, make_pair_grid

__all__ = ['colorize_labels', 'make_pair_grid']
