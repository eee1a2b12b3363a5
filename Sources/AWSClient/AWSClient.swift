// The AWS client core lives here (issue 3).
