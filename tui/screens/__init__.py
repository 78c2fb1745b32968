"""One screen per release step, plus History, Review and the dialogs."""
