// rastar-init: the container entrypoint. Everything lives in rastar_main.
int rastar_main(int argc, char** argv);

int
main(int argc, char** argv)
{
  return rastar_main(argc, argv);
}
