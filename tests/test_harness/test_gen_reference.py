"""docs/reference.md covers every registered class and argument, and is what
the generator writes from the current code."""
import inspect

from benchmark_harness import gen_reference


def test_reference_is_up_to_date():
    with open(gen_reference.REFERENCE) as f:
        committed = f.read()
    assert committed == gen_reference.render_reference(), (
        'docs/reference.md is stale: run python tools/docs/gen_reference.py')


def test_every_registered_class_and_argument_is_documented():
    listed = {name for _, _, names in gen_reference.SECTIONS for name in names}
    assert set(gen_reference.registered_names()) <= listed
    text = gen_reference.render_reference()
    assert '(see the class docstring)' not in text  # each argument described
    from mmpose_kd.registry import MODELS
    for name in ('PoseDistiller', 'FeatureDistillLoss',
                 'CrossRepresentationHead', 'ConvBNConnector'):
        cls = MODELS.get(name)
        for param in inspect.signature(cls.__init__).parameters.values():
            if param.name != 'self' and param.kind not in (
                    param.VAR_POSITIONAL, param.VAR_KEYWORD):
                assert f'| `{param.name}` |' in text, (name, param.name)


def test_docstring_args_reads_multi_line_descriptions():
    class Example:
        """Summary line.

        Args:
            alpha (int): First line
                continues here.
            beta: Short.

        Returns:
            nothing (int): not an argument.
        """

    assert gen_reference.docstring_args(Example) == {
        'alpha': 'First line continues here.', 'beta': 'Short.'}
