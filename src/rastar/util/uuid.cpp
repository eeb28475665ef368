#include <rastar/util/uuid.hpp>

#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>

namespace rastar::util {

std::string
uuid_v4()
{
  thread_local boost::uuids::random_generator generator;
  return boost::uuids::to_string(generator());
}

} // namespace rastar::util
