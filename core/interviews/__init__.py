"""Interviews: candidates, their interviews and its state machine, questions, answers and analyses."""
