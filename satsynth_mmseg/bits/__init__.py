from .analog_bits import (bits_to_codes, bits_to_labels, check_ignore_index, count_invalid,
                          labels_to_bits, num_bits, valid_pixel_mask)
from .one_hot import labels_to_one_hot

__all__ = [
    'num_bits', 'labels_to_bits', 'bits_to_labels', 'bits_to_codes', 'count_invalid',
    'valid_pixel_mask', 'check_ignore_index', 'labels_to_one_hot'
]
