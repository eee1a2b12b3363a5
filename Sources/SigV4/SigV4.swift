// The SigV4 signer lives here (issue 3).
