import pytest
import torch

from satsynth_mmseg.bits import (bits_to_codes, bits_to_labels, count_invalid, labels_to_bits,
                                 num_bits, valid_pixel_mask)


@pytest.mark.parametrize('k,expected', [(2, 1), (3, 2), (4, 2), (5, 3), (6, 3), (8, 3), (9, 4),
                                        (129, 8), (256, 8)])
def test_num_bits(k, expected):
    assert num_bits(k) == expected


@pytest.mark.parametrize('k', [0, 1, 257, 2.0])
def test_num_bits_rejects(k):
    with pytest.raises(ValueError):
        num_bits(k)


def test_round_trip_every_k():
    """Every class of every K in 2..256 survives encode -> decode, ignore pixels included."""
    for k in range(2, 257):
        labels = torch.arange(k).repeat(2).view(2, 1, k)
        ignore = 255 if k <= 255 else None
        if ignore is not None:
            labels = torch.cat([labels, torch.full((2, 1, 1), ignore)], dim=2)
        bits = labels_to_bits(labels, k, ignore_index=ignore)
        assert bits.shape == (2, num_bits(k), 1, labels.shape[2])
        valid = valid_pixel_mask(bits)[:, 0]
        assert set(bits.unique().tolist()) <= {-1.0, 0.0, 1.0}
        decoded = bits_to_labels(bits, k)
        assert torch.equal(decoded[valid], labels[valid])
        if ignore is not None:
            # ignore pixels are all-zero bits, excluded from the valid mask
            assert not valid[..., -1].any() and valid[..., :-1].all()
            assert (bits[..., -1] == 0).all()


def test_bit_order_msb_first():
    bits = labels_to_bits(torch.tensor([[[4, 1, 6]]]), num_classes=8)
    # class 4 = 0b100, 1 = 0b001, 6 = 0b110: channel 0 is the most significant bit
    assert bits[0, :, 0, 0].tolist() == [1, -1, -1]
    assert bits[0, :, 0, 1].tolist() == [-1, -1, 1]
    assert bits[0, :, 0, 2].tolist() == [1, 1, -1]


def test_codes_outside_k_decode_to_invalid_and_are_counted():
    k = 5  # 3 bits: codes 5, 6, 7 are not classes
    bits = torch.tensor([[1., -1, 1], [1, 1, -1], [1, 1, 1], [1, -1, -1]]).T.view(1, 3, 1, 4)
    assert bits_to_codes(bits).tolist() == [[[5, 6, 7, 4]]]
    assert bits_to_labels(bits, k).tolist() == [[[255, 255, 255, 4]]]
    assert bits_to_labels(bits, k, invalid_index=254).tolist() == [[[254, 254, 254, 4]]]
    assert count_invalid(bits, k) == 3


def test_threshold_at_zero():
    bits = torch.tensor([0.0, 1e-6, -1e-6, 0.7]).view(1, 1, 1, 4)
    assert bits_to_labels(bits, 2).tolist() == [[[0, 1, 0, 1]]]


def test_labels_outside_k_raise():
    with pytest.raises(ValueError, match=r'\[5\]'):
        labels_to_bits(torch.tensor([[[0, 5, 255]]]), num_classes=5)
    with pytest.raises(ValueError):
        labels_to_bits(torch.tensor([[[-1]]]), num_classes=5)


def test_ignore_index_must_not_be_a_class():
    with pytest.raises(ValueError, match='ignore_index'):
        labels_to_bits(torch.zeros(1, 2, 2, dtype=torch.long), 256, ignore_index=255)


def test_float_labels_rejected():
    with pytest.raises(TypeError):
        labels_to_bits(torch.zeros(1, 2, 2), 4)


def test_bits_channel_count_checked():
    with pytest.raises(ValueError, match='needs 3'):
        bits_to_labels(torch.zeros(1, 2, 2, 2), 6)
