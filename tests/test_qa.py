"""helpers.standins.reading_passages: 21's course-generated reading set for extractive question answering."""

import pytest

from helpers import standins


def test_reading_passages_are_deterministic_by_seed():
    assert standins.reading_passages(20, seed=3) == standins.reading_passages(20, seed=3)
    assert standins.reading_passages(20, seed=3) != standins.reading_passages(20, seed=4)


def test_every_answer_is_a_span_of_its_passage_and_of_the_right_kind():
    for example in standins.reading_passages(300, seed=0):
        (answer,) = example["answers"]
        start = answer["answer_start"]
        assert example["context"][start : start + len(answer["text"])] == answer["text"]
        kinds = {"where": standins.QA_CITIES, "job": standins.QA_JOBS, "who_city": standins.QA_NAMES, "who_job": standins.QA_NAMES}
        assert answer["text"] in kinds[example["kind"]]
        assert example["question"].endswith("?")


def test_passages_hold_distractors_so_the_question_matters():
    for example in standins.reading_passages(100, seed=1):
        context = example["context"]
        mentioned = [c for c in standins.QA_CITIES if c in context]
        people = [n for n in standins.QA_NAMES if f"{n} " in context or f"{n}'" in context or f"{n}." in context]
        assert len(mentioned) >= 3, "several cities in every passage"
        assert len(people) >= 3, "several people in every passage"


def test_every_kind_of_question_is_asked():
    kinds = {example["kind"] for example in standins.reading_passages(200, seed=2)}
    assert kinds == {"where", "job", "who_city", "who_job"}


def test_bad_arguments_raise_value_error():
    with pytest.raises(ValueError, match="num_people"):
        standins.reading_passages(5, seed=0, num_people=1)


def test_squad_dev_is_read_from_a_mirror_and_checked(tmp_path, monkeypatch):
    import dataclasses
    import hashlib
    import json

    from helpers import data

    squad = {"data": [{"paragraphs": [{"context": "Lena lives in Lima.", "qas": [
        {"question": "Where does Lena live?", "answers": [{"text": "Lima", "answer_start": 14}, {"text": "in Lima", "answer_start": 11}]}]}]}]}
    mirror = tmp_path / "mirror"
    (mirror / "squad").mkdir(parents=True)
    path = mirror / "squad" / "dev-v1.1.json"
    path.write_text(json.dumps(squad), encoding="utf-8")
    fake = dataclasses.replace(data.SQUAD_DEV, sha256=hashlib.sha256(path.read_bytes()).hexdigest(), url=(tmp_path / "nowhere.json").as_uri())
    monkeypatch.setattr(data, "SQUAD_DEV", fake)
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("LAB_DATA_MIRROR", str(mirror))
    monkeypatch.setenv("LAB_OFFLINE", "1")
    assert data.load_squad_dev() == [("Lena lives in Lima.", "Where does Lena live?", ["Lima", "in Lima"])]

    path.write_text(json.dumps({"data": [{"paragraphs": [{"context": "x"}]}]}), encoding="utf-8")  # a file that is not SQuAD's
    monkeypatch.setattr(data, "SQUAD_DEV", dataclasses.replace(fake, sha256=hashlib.sha256(path.read_bytes()).hexdigest()))
    with pytest.raises(data.DataUnavailable, match="not SQuAD's layout"):
        data.load_squad_dev()

    monkeypatch.delenv("LAB_DATA_MIRROR")  # offline, no mirror: a clear error, no stand-in
    with pytest.raises(data.DataUnavailable):
        data.load_squad_dev()
