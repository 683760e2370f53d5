"""The one error a rule can raise: what is wrong, and where."""


class RuleError(ValueError):
    """A rule that cannot be read or checked.

    ``line`` and ``column`` are 1-based and point at the first character of ``token``.
    """

    def __init__(self, message: str, line: int = 0, column: int = 0, token: str = "") -> None:
        self.message = message
        self.line = line
        self.column = column
        self.token = token
        super().__init__(str(self))

    def __str__(self) -> str:
        if not self.line:
            return self.message
        where = f"第{self.line}行第{self.column}列"
        if self.token:
            where += f" “{self.token}”"
        return f"{where}：{self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "message": self.message,
            "line": self.line,
            "column": self.column,
            "token": self.token,
            "text": str(self),
        }
