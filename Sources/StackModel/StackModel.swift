// The stack model lives here (issue 2).
