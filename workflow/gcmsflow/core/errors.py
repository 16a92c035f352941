"""One exception type for every user-facing failure: a one-line message naming file and cause."""


class GcmsflowError(Exception):
    """A failure the user can act on; ``str(err)`` is a single line naming the input and the cause."""

    def __init__(self, path: object, cause: str):
        self.path = str(path)
        self.cause = " ".join(str(cause).split())
        super().__init__(f"{self.path}: {self.cause}")
