from letterguard.cli import main

main()
