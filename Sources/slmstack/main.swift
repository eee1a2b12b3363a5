import SLMStackCLI

SLMStack.main()
