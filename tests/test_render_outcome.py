"""Pure rendering of outcomes: names, history, e-mail."""

from __future__ import annotations

from fakes import FakeModel, letter, offline_letter, sample_notes
from letterguard import guard
from letterguard.notes import Interviewer
from letterguard.render.outcome import explain, file_names, render, to_eml


def outcomes(monkeypatch, names=("Priya Shah", "Priya Shah", "José Núñez")):
    monkeypatch.setattr(guard, "_compose_letter", offline_letter)
    notes = sample_notes(interviewers=[Interviewer(name=n) for n in names])
    return notes, guard.draft_all(notes, "thank_you")


def test_file_names_are_readable_stable_and_unique(monkeypatch):
    _, done = outcomes(monkeypatch)
    assert file_names(done, "eml") == ["priya-shah-thank-you.eml", "priya-shah-thank-you-2.eml", "jose-nunez-thank-you.eml"]
    assert file_names(done, "eml") == file_names(done, "eml")


def test_text_render_separates_letters(monkeypatch):
    notes, done = outcomes(monkeypatch)
    assert render(done, "text", notes).count("-" * 72) == 2


def test_eml_without_addresses_still_renders(monkeypatch):
    notes, done = outcomes(monkeypatch)
    message = to_eml(done[0], notes)
    assert "To: Priya Shah\n" in message and "From: Ann Lee <ann.lee@example.com>" in message


def test_explain_lists_each_step(monkeypatch):
    monkeypatch.setattr(guard, "_compose_letter", offline_letter)
    notes = sample_notes()
    presuming = letter("Thank you for meeting me about the Data Engineer role at Acme.\n\nI look forward to working with you.")
    outcome = guard.draft(notes, notes.interviewers[0], "thank_you", model=FakeModel([presuming]))
    history = explain(outcome)
    assert "fixed via model+fix, 15 tokens" in history
    assert "attempt 1 [model]: 1 finding" in history and "error presumption" in history
    assert "attempt 1 [fix]: clean" in history
