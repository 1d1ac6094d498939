"""The D′ folder format: one module for its layout, names, manifest and ``meta.json``.

A D′ folder (generated pairs, a filtered copy of them, or any other source written in this
format) is laid out as mmseg's datasets are, so ``BaseSegDataset`` could read it like real
data, plus the files that make it durable and checkable::

    DIR/img_dir/gen_0000000.png   image: 8-bit PNG (BGR as cv2 writes it, 1 or 3 bands), or
                                  ``.tif`` / ``.npy`` (C, H, W) for N-band or float images
    DIR/ann_dir/gen_0000000.png   its label map (uint8 PNG) in the real dataset's raw
                                  label convention (``reduce_zero_label``)
    DIR/generation.json           the writer's identity: everything the pairs depend on; a
                                  rerun with another identity is refused, the same resumes
    DIR/manifest/part-*.jsonl     one JSON line per complete pair, per writer process
    DIR/manifest/lock-*           the writers' folder locks (``flock``)
    DIR/manifest.jsonl            every record sorted by ``index`` (written when finished)
    DIR/meta.json                 :class:`DPrimeMeta` (written last: a folder is *finished*
                                  when it has one)

Versions: :data:`FORMAT_VERSION` is written into ``meta.json`` (``format_version``) and into
the writer's identity. Version 1 folders written before the field existed have no top-level
``format_version`` and read as version 1; a folder of a newer version than this code knows is
refused with a message saying so.

Every reader and writer of the plugin goes through this module: the writer
(:class:`~satsynth_mmseg.generation.SyntheticDatasetWriter`), the reader
(:class:`~satsynth_mmseg.datasets.SyntheticPairsDataset`), filtering, the D′ samplers and
the experiments.
"""
from __future__ import annotations
import dataclasses
import json
import os.path as osp
from typing import Dict, List, Optional

from ..utils.atomic_io import atomic_write_bytes
from ..utils.errors import DataError, IncompleteOutputError

#: the version this code writes (and the newest it reads)
FORMAT_VERSION = 1
IMG_DIR = 'img_dir'
ANN_DIR = 'ann_dir'
MANIFEST_DIR = 'manifest'
META_FILE = 'meta.json'
MANIFEST_FILE = 'manifest.jsonl'
IDENTITY_FILE = 'generation.json'
SEG_MAP_SUFFIX = '.png'
#: how to repair a folder whose files or manifest are damaged
REPAIR = ('rerun the tools/generate.py (or tools/filter_synthetic.py) command that made it, '
          'with the same arguments: it rewrites what is missing and resumes')


def sample_name(index: int) -> str:
    """Mask file name (without folder) of pair ``index``, e.g. ``gen_0000007.png``."""
    return f'gen_{index:07d}{SEG_MAP_SUFFIX}'


def mask_ignore_index(num_classes: int) -> Optional[int]:
    """The label of D′ pixels without a class, as mmseg loads the masks: 255, or None for
    K = 256, where every 8-bit value is a class."""
    return 255 if num_classes <= 255 else None


def image_file_name(mask_name: str, img_suffix: str) -> str:
    """The image file name that goes with a mask file name."""
    return osp.splitext(mask_name)[0] + img_suffix


@dataclasses.dataclass
class DPrimeMeta:
    """What ``meta.json`` says of a finished D′ folder.

    Attributes:
        classes: the K class names (the real dataset's).
        num_samples: number of pairs.
        palette: K RGB triples, or None (mmseg then picks one).
        reduce_zero_label: the raw label convention the masks are written in.
        ignore_index: the label value of pixels without a class.
        img_dir, ann_dir, seg_map_suffix: the layout (always the defaults today).
        img_suffix, image_format, image_dtype, band_norm: how images are stored
            (:class:`~satsynth_mmseg.generation.ImageStorage`).
        generation: the identity of the writer that made the pairs.
        filtering: for a filtered copy: its identity and summary.
        format_version: :data:`FORMAT_VERSION` of the writer.
        extra: keys this version does not know (kept on a rewrite).
    """
    classes: List[str]
    num_samples: int
    palette: Optional[list] = None
    reduce_zero_label: bool = False
    ignore_index: Optional[int] = 255
    img_dir: str = IMG_DIR
    ann_dir: str = ANN_DIR
    seg_map_suffix: str = SEG_MAP_SUFFIX
    img_suffix: str = '.png'
    image_format: str = 'png'
    image_dtype: str = 'uint8'
    band_norm: Optional[dict] = None
    generation: Optional[dict] = None
    filtering: Optional[dict] = None
    format_version: int = FORMAT_VERSION
    extra: Dict = dataclasses.field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict, path: str = META_FILE) -> 'DPrimeMeta':
        """Parse a ``meta.json`` dict; ``path`` names the file in errors."""
        if not isinstance(data, dict) or not isinstance(data.get('classes'), list):
            raise DataError(f'{path} is not a D′ meta.json (no list of classes)')
        names = {f.name for f in dataclasses.fields(cls)} - {'extra'}
        known = {k: v for k, v in data.items() if k in names}
        known.setdefault('format_version', 1)  # written before the field existed
        known.setdefault('num_samples', None)
        if not isinstance(known['format_version'], int) or known['format_version'] < 1:
            raise DataError(f'{path}: format_version {known["format_version"]!r} is not a '
                            'version of the D′ format')
        if known['format_version'] > FORMAT_VERSION:
            raise DataError(f'{path} is D′ format version {known["format_version"]}, newer '
                            f'than this satsynth-mmseg reads ({FORMAT_VERSION}): upgrade it')
        return cls(**known, extra={k: v for k, v in data.items() if k not in names})

    def to_dict(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != 'extra'}
        if self.filtering is None:
            out.pop('filtering')
        return dict(out, **self.extra)

    def image_path(self, folder: str, mask_name: str) -> str:
        return osp.join(folder, self.img_dir, image_file_name(mask_name, self.img_suffix))

    def mask_path(self, folder: str, mask_name: str) -> str:
        return osp.join(folder, self.ann_dir, mask_name)


def meta_path(folder: str) -> str:
    return osp.join(folder, META_FILE)


def is_finished(folder: str, num_samples: Optional[int] = None) -> bool:
    """Whether ``folder`` is a finished D′ (has ``meta.json``; with ``num_samples``, of that
    many pairs)."""
    path = meta_path(folder)
    if not osp.exists(path):
        return False
    return num_samples is None or read_meta(folder).num_samples == num_samples


def read_meta(folder: str) -> DPrimeMeta:
    """The :class:`DPrimeMeta` of a finished folder.

    Raises:
        FileNotFoundError: no ``meta.json`` (not finished, or not a D′ folder).
        DataError: unreadable or not a D′ ``meta.json`` (the file is named).
    """
    path = meta_path(folder)
    if not osp.exists(path):
        raise FileNotFoundError(f'{folder!r} is not a finished synthetic dataset (no '
                                f'{META_FILE})')
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        raise DataError(f'{path} is unreadable or not a D′ {META_FILE} '
                        f'({type(e).__name__}: {e})') from e
    return DPrimeMeta.from_dict(data, path)


def write_meta(folder: str, meta: DPrimeMeta) -> None:
    """Write ``meta.json`` atomically (the last file of a finished folder)."""
    atomic_write_bytes(meta_path(folder), json.dumps(meta.to_dict(), indent=1).encode())


def parse_record_lines(path: str, lines, strict: bool = True) -> List[dict]:
    """Records of manifest lines; a line that is not JSON is an error naming ``path`` and
    the line (``strict``) or is skipped (a writer's part file, where a crash may cut the last
    line: that pair is redone)."""
    out = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except ValueError as e:
            if strict:
                raise DataError(f'{path}, line {n}: not a JSON record ({e}); {REPAIR}') from None
    return out


def read_manifest(folder: str) -> List[dict]:
    """The records of a finished folder's ``manifest.jsonl``, sorted by index.

    Raises:
        DataError: a damaged line (file and line named, with the repair).
    """
    path = osp.join(folder, MANIFEST_FILE)
    with open(path) as f:
        return parse_record_lines(path, f)


def write_manifest(folder: str, records: List[dict]) -> None:
    atomic_write_bytes(
        osp.join(folder, MANIFEST_FILE),
        ''.join(json.dumps(r, sort_keys=True) + '\n' for r in records).encode())


def manifest_by_stem(folder: str) -> Optional[Dict[str, dict]]:
    """Manifest records keyed by file stem (``gen_0000007``), or None without a manifest."""
    if not osp.exists(osp.join(folder, MANIFEST_FILE)):
        return None
    return {osp.splitext(r['file'])[0]: r for r in read_manifest(folder)}


def listed_pairs(folder: str, meta: Optional[DPrimeMeta] = None) -> Optional[List[tuple]]:
    """``(image path, mask path)`` of every pair the manifest lists, checked against the
    folder; None for a folder without a manifest (made by hand).

    Raises:
        IncompleteOutputError: the manifest and ``meta.json`` disagree on the number of pairs,
            or a listed file is missing (the first missing files are named, with the repair).
    """
    meta = meta or read_meta(folder)
    if not osp.exists(osp.join(folder, MANIFEST_FILE)):
        return None
    records = read_manifest(folder)
    if meta.num_samples is not None and len(records) != meta.num_samples:
        raise IncompleteOutputError(
            f'{folder}: {MANIFEST_FILE} lists {len(records)} pairs but {META_FILE} says '
            f'{meta.num_samples}; {REPAIR}')
    pairs, missing = [], []
    for r in records:
        img, ann = meta.image_path(folder, r['file']), meta.mask_path(folder, r['file'])
        missing += [p for p in (img, ann) if not osp.exists(p)]
        pairs.append((img, ann))
    if missing:
        raise IncompleteOutputError(
            f'{folder}: {len(missing)} file(s) that {MANIFEST_FILE} lists are missing (first: '
            f'{", ".join(osp.relpath(p, folder) for p in missing[:3])}); {REPAIR}')
    return pairs
