from .display import display_panels, to_unit
from .pair_grid import colorize_labels, make_pair_grid

__all__ = ['colorize_labels', 'make_pair_grid', 'display_panels', 'to_unit']
