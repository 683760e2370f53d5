import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from govsvc.hotline import classifier
from govsvc.hotline.generator import CATEGORIES, generate_messages


def write_csv(path: Path, rows: list[list[object]], encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def generated_rows(per_class: int, seed: int) -> list[list[object]]:
    messages = generate_messages(per_class, seed=seed)
    return [["内容", "类别"]] + [[m.text, m.category] for m in messages]


def test_it_splits_pre_segmented_text_on_spaces():
    assert classifier.tokens("小区 物业 不作为") == ["小区", "物业", "不作为"]


def test_it_segments_raw_text_with_jieba():
    assert classifier.tokens("我想咨询社保") == ["我", "想", "咨询", "社保"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_it_reads_csv_in_common_encodings(tmp_path, encoding):
    path = write_csv(tmp_path / "t.csv", [["内容", "类别"], ["路灯坏了", "城管"]], encoding)
    data = classifier.load_dataset(path, "内容", "类别")
    assert data.texts == ["路灯坏了"] and data.labels == ["城管"]


def test_it_reads_xlsx_with_numeric_labels_and_skips_empty_text(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["text", "label"])
    sheet.append(["停水了", 3])
    sheet.append([None, 2])
    sheet.append(["欠薪", 2.0])
    book.save(tmp_path / "t.xlsx")

    data = classifier.load_dataset(tmp_path / "t.xlsx", "text", "label")

    assert data.labels == ["3", "2"]
    assert data.skipped_rows == [3]


def test_it_names_the_available_columns_when_a_header_is_misspelt(tmp_path):
    path = write_csv(tmp_path / "t.csv", [["内容", "类别"], ["路灯坏了", "城管"]])
    with pytest.raises(classifier.DataFileError) as error:
        classifier.load_dataset(path, "内荣", "类别")
    assert "内荣" in str(error.value) and "“内容”" in str(error.value)


def test_train_and_evaluate_commands_end_with_a_json_summary(tmp_path):
    train = write_csv(tmp_path / "train.csv", [*generated_rows(25, seed=1), ["", "x"]])
    test = write_csv(tmp_path / "test.csv", generated_rows(10, seed=2))
    model = tmp_path / "m.pkl.gz"

    out, err = StringIO(), StringIO()
    call_command(
        "hotline_train",
        str(train),
        "--text-column",
        "内容",
        "--label-column",
        "类别",
        "--model-out",
        str(model),
        stdout=out,
        stderr=err,
    )
    assert model.is_file()
    assert "跳过 1 行" in err.getvalue()

    out = StringIO()
    call_command(
        "hotline_evaluate",
        str(test),
        "--text-column",
        "内容",
        "--label-column",
        "类别",
        "--model",
        str(model),
        stdout=out,
    )
    lines = out.getvalue().strip().splitlines()
    summary = json.loads(lines[-1])
    assert summary["macro_f1"] > 0.9 and summary["accuracy"] > 0.9
    assert any(line.startswith("business") for line in lines)


def test_evaluate_without_a_model_uses_the_default(tmp_path):
    test = write_csv(tmp_path / "test.csv", generated_rows(5, seed=3))
    out = StringIO()
    call_command(
        "hotline_evaluate",
        str(test),
        "--text-column",
        "内容",
        "--label-column",
        "类别",
        stdout=out,
    )
    assert json.loads(out.getvalue().strip().splitlines()[-1])["macro_f1"] > 0.9


def test_evaluate_refuses_a_misspelt_column_with_a_clear_error(tmp_path):
    test = write_csv(tmp_path / "test.csv", generated_rows(2, seed=3))
    with pytest.raises(CommandError, match="可用的列"):
        call_command(
            "hotline_evaluate", str(test), "--text-column", "text", "--label-column", "类别"
        )


def test_the_default_model_proposes_a_category_with_a_confidence():
    model = classifier.get_default_classifier()
    proposal = model.propose("公司拖欠了我三个月工资，老板不接电话")
    assert proposal.label == "labour"
    assert 0 < proposal.confidence <= 1
    assert set(model.labels) == {code for code, _, _ in CATEGORIES}


def test_it_trains_on_two_classes(tmp_path):
    model, report = classifier.train(
        ["路灯坏了", "路灯不亮", "欠薪", "拖欠工资"], ["a", "a", "b", "b"], tune=True
    )
    assert report.classes == 2
    assert model.propose("路灯").label == "a"


def test_raw_text_with_stray_whitespace_is_still_segmented():
    raw = "我家小区\t\t停水三天了\n物业不管"
    words = classifier.tokens(raw)
    assert "停水" in words and "物业" in words


def test_csv_with_commas_and_quotes_inside_messages(tmp_path):
    path = write_csv(
        tmp_path / "t.csv",
        [["text", "label"], ['他说"没水了"，又说, 明天来', "水电气"], ["路灯,坏了", "城管"]],
    )
    data = classifier.load_dataset(path, "text", "label")
    assert data.labels == ["水电气", "城管"]


def test_rjieba_segments_exactly_as_jieba_does():
    import jieba

    # A private jieba with the stock dictionary: the global one may have been given the
    # catalogue's words by the search index earlier in the same test run.
    stock = jieba.Tokenizer()
    texts = [m.text for m in generate_messages(5, seed=8)] + ["WiFi密码123，ABC公司！！", "龘靐齉"]
    for text in texts:
        assert classifier._cut(text) == stock.lcut(text, HMM=False)


def test_the_c_search_samples_within_budget_and_skips_rare_classes():
    import numpy as np
    from scipy.sparse import random as sparse_random

    labels = np.array(["a"] * 9000 + ["b"] * 3000 + ["rare"] * 2)
    matrix = sparse_random(len(labels), 1000, density=0.9, format="csr", random_state=1)

    rows = classifier._cv_rows(matrix, labels, seed=1)

    # 900 values a row: the budget allows 2,222 rows, the floor lifts it to 2,500.
    assert abs(len(rows) - classifier.CV_SAMPLE_MIN) <= 2
    assert set(labels[rows]) == {"a", "b"}
    assert abs((labels[rows] == "a").mean() - 0.75) < 0.01  # stratified


def test_full_width_and_upper_case_spellings_give_the_same_words_and_grams():
    assert classifier.tokens("ＷｉＦｉ信号差，１２３号楼") == classifier.tokens(
        "wifi信号差,123号楼"
    )
    assert classifier.squeeze("ＷｉＦｉ　信号差") == "wifi信号差"


def test_a_model_of_an_older_format_is_refused_with_advice_to_retrain(tmp_path):
    model, _ = classifier.train(["停水了", "路灯坏了", "欠薪"] * 3, ["水务", "城管", "人社"] * 3)
    model.meta["format"] = classifier.FORMAT_VERSION - 1
    path = model.save(tmp_path / "old.pkl.gz")

    with pytest.raises(classifier.DataFileError) as error:
        classifier.TicketClassifier.load(path)
    assert "重新训练" in str(error.value)

    with pytest.raises(CommandError, match="重新训练"):
        write_csv(tmp_path / "t.csv", [["内容", "类别"], ["停水了", "水务"]])
        call_command(
            "hotline_evaluate", str(tmp_path / "t.csv"), "--text-column", "内容",
            "--label-column", "类别", "--model", str(path), stdout=StringIO(),
        )  # fmt: skip
