"""The compiled scorer gives the same margins as the fitted scikit-learn pipeline."""

import numpy as np
import pytest

from govsvc.hotline import classifier
from govsvc.hotline.generator import generate_messages

ODD_TEXTS = [
    "",
    "   ",
    "路",
    "停水",
    "小区 物业 不作为 乱 收费",
    "我家小区\t\t停水三天了\n物业不管",
    "WiFi密码忘了，ABC公司客服电话打不通！！！",
    "从未见过的字：龘靐齉",
]


@pytest.fixture(scope="module")
def trained() -> classifier.TicketClassifier:
    messages = generate_messages(30, seed=5)
    model, _ = classifier.train([m.text for m in messages], [m.category for m in messages])
    return model


def test_it_gives_the_pipelines_margins_to_the_last_digits(trained):
    texts = [m.text for m in generate_messages(3, seed=6)] + ODD_TEXTS

    compiled = trained.scorer.margins_many(texts)
    reference = trained.pipeline.decision_function(texts)

    np.testing.assert_allclose(compiled, reference, rtol=1e-5, atol=1e-6)


def test_single_and_batched_calls_agree_on_labels(trained):
    texts = [m.text for m in generate_messages(8, seed=7)]
    assert len(texts) > classifier.FAST_PATH_LIMIT  # so the batch goes through scikit-learn

    one_by_one = [trained.propose(t).label for t in texts]

    assert one_by_one == trained.predict(texts)
    assert one_by_one == [str(label) for label in trained.pipeline.predict(texts)]


def test_it_scores_a_two_class_model_like_the_pipeline():
    texts = ["路灯坏了", "路灯不亮", "路灯闪", "欠薪", "拖欠工资", "工资没发"]
    model, _ = classifier.train(texts, ["a", "a", "a", "b", "b", "b"], tune=False)

    margins = model.decision(["路灯", "工资", ""])

    reference = model.pipeline.decision_function(["路灯", "工资", ""])
    np.testing.assert_allclose(margins[:, 1], reference, rtol=1e-5, atol=1e-6)
    assert model.predict(["路灯", "工资"]) == ["a", "b"]


def test_a_reloaded_model_scores_the_same(trained, tmp_path):
    text = "公司拖欠了我三个月工资，老板不接电话"
    path = trained.save(tmp_path / "m.pkl.gz")

    again = classifier.TicketClassifier.load(path)

    np.testing.assert_allclose(again.decision([text]), trained.decision([text]))
