// The CloudFormation renderer lives here (issue 2).
