"""The Gradio chat front end: `python -m ui [--host H] [--port P] [--index DIR]`."""
