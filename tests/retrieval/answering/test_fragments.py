from retrieval.answering.fragments import FRAGMENT_WORDS, fragment
from retrieval.models import mark_up

FILLER = " ".join(f"Filler sentence {n} adds nothing to the story." for n in range(10))


def test_the_best_sentence_with_its_neighbours_within_the_word_budget():
    passage = f"{FILLER} The council shut the pool on Monday. It reopens in May. {FILLER}"
    piece = fragment({"pool": 4.0, "council": 2.0}, passage)
    assert "The council shut the pool on Monday." in piece.text
    assert len(piece.text.split()) <= FRAGMENT_WORDS
    assert piece.cut_before and piece.cut_after
    assert mark_up(piece.text, piece.marks).count("**") == 4  # council, pool


def test_the_sentence_holding_more_of_the_weight_wins():
    passage = "The pool is old. The council voted to close the pool. Rain fell."
    piece = fragment({"pool": 1.0, "council": 3.0}, passage, words=8)
    assert piece.text == "The council voted to close the pool."


def test_a_sentence_longer_than_the_budget_is_cut_around_its_first_match():
    words = [f"w{n}" for n in range(120)]
    words[80] = "pool"
    piece = fragment({"pool": 1.0}, " ".join(words) + ".", words=20)
    assert "pool" in piece.text and len(piece.text.split()) == 20
    assert not piece.text.startswith("pool")  # a little context before the match
    assert piece.cut_before and piece.cut_after


def test_without_weights_it_is_the_passages_start():
    piece = fragment({}, f"First one here. {FILLER}")
    assert piece.text.startswith("First one here.") and not piece.cut_before and not piece.marks
