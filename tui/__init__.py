"""shipline's terminal UI (Textual). It imports only ``shipline.domain.api``; start it with
``ShiplineApp(repo).run()`` (what ``shipline`` / ``shipline tui`` do)."""
