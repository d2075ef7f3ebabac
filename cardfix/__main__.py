from cardfix.cli import main

main()
