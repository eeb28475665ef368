// `http_ok PORT DELAY_MS MARKER`: waits DELAY_MS, listens on 127.0.0.1:PORT,
// creates the file MARKER, then answers every connection with
// "HTTP/1.0 200 OK" until killed: a service whose readiness comes late.
#include <arpa/inet.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

int
main(int argc, char** argv)
{
  if (argc < 4) {
    return 2;
  }
  usleep(static_cast<useconds_t>(std::atoi(argv[2])) * 1000);
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  const int yes = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(std::atoi(argv[1])));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || listen(listener, 16) != 0) {
    std::perror("bind/listen");
    return 1;
  }
  std::fclose(std::fopen(argv[3], "w"));
  std::printf("listening\n");
  std::fflush(stdout);
  while (true) {
    const int connection = accept(listener, nullptr, nullptr);
    if (connection < 0) {
      continue;
    }
    char request[4096];
    (void)!read(connection, request, sizeof request);
    const char* answer = "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok";
    (void)!write(connection, answer, std::strlen(answer));
    close(connection);
  }
}
