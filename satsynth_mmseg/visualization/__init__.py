from .display import display_panels, to_unit
from .pair_grid import (add_legend, colorize_labels, make_comparison_grid, make_pair_grid,
                        overlay_labels)

__all__ = [
    'add_legend', 'colorize_labels', 'make_comparison_grid', 'make_pair_grid', 'overlay_labels',
    'display_panels', 'to_unit'
]
