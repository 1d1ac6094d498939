"""Check, before any training step, that the generator and the dataset agree."""
from __future__ import annotations

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmseg.registry import HOOKS
from ...datasets.labelled_unlabelled import LabelledUnlabelledDataset
from ...datasets.pair_check import check_dataset_pairs


@HOOKS.register_module()
class GeneratorDataCheckHook(Hook):
    """Fail fast on a dataset that cannot train the generator.

    Before training it checks that the train dataset is not empty, that the model's
    ``num_classes`` equals the number of classes in the dataset's metainfo, and (for any
    dataset that lists files, stock mmseg ones included) that every mask is a single-channel
    image of its image's size, from the file headers, before a pipeline could resize it.
    (Label values outside ``[0, num_classes)`` are caught per batch by the data
    preprocessor, naming the mask file.)
    """
    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        dataset = runner.train_dataloader.dataset
        if len(dataset) == 0:
            raise ValueError(f'the train dataset ({type(dataset).__name__}) is empty')
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        classes = dataset.metainfo.get('classes')
        num_classes = getattr(model, 'num_classes', None)
        if classes is not None and num_classes is not None and len(classes) != num_classes:
            raise ValueError(
                f'model.num_classes={num_classes} but the train dataset '
                f'({type(dataset).__name__}) has {len(classes)} classes {tuple(classes)}; '
                'make them agree in the config')
        # the labelled pairs of a generator that also learns from an unlabelled pool
        check_dataset_pairs(
            dataset.labelled if isinstance(dataset, LabelledUnlabelledDataset) else dataset)
