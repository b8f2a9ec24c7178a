"""The review page: a person checks the machine's transcript against the recording and corrects it in the browser."""
